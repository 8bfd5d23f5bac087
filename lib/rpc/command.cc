#include "lib/rpc/command.h"
