#ifndef LORIKEET_CSQLITE_SHIM_H
#define LORIKEET_CSQLITE_SHIM_H
#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro around a cast of -1 to a function pointer, which Swift cannot import.
static inline sqlite3_destructor_type lorikeet_sqlite_transient(void) { return SQLITE_TRANSIENT; }
static inline sqlite3_destructor_type lorikeet_sqlite_static(void) { return SQLITE_STATIC; }
#endif
