#ifndef LORIKEET_CZSTD_SHIM_H
#define LORIKEET_CZSTD_SHIM_H
#include <zstd.h>
#endif
