#ifndef CP2PSHIM_H
#define CP2PSHIM_H
int cp2p_placeholder(void);
#endif
