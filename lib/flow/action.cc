#include "lib/flow/action.h"
