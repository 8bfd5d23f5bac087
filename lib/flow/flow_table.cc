#include "lib/flow/flow_table.h"
