#include "lib/flow/classifier.h"
