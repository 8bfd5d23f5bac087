#include "lib/flow/match.h"
