#include "CP2PShim.h"
int cp2p_placeholder(void) { return 0; }
