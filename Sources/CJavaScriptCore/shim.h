#ifndef LORIKEET_CJAVASCRIPTCORE_SHIM_H
#define LORIKEET_CJAVASCRIPTCORE_SHIM_H
// JavaScriptCore's plain C API (WebKitGTK's libjavascriptcoregtk-4.1; headers under
// /usr/include/webkitgtk-4.1, found through pkg-config). No GLib API is used.
#include <JavaScriptCore/JavaScript.h>
#include <stdbool.h>

// The watchdog API lives in JSContextRefPrivate.h, which Debian does not ship, although the library
// exports both functions (nm -D libjavascriptcoregtk-4.1.so). The declarations below match WebKit's
// Source/JavaScriptCore/API/JSContextRefPrivate.h.
//
// The callback is called on the thread running the script once `limit` seconds of CPU time have
// passed since the VM was entered; returning true terminates the script (an uncatchable
// exception), returning false lets it run for another `limit` seconds.
typedef bool (*JSShouldTerminateCallback)(JSContextRef ctx, void *context);
JS_EXPORT void JSContextGroupSetExecutionTimeLimit(JSContextGroupRef group, double limit,
                                                   JSShouldTerminateCallback callback, void *context);
JS_EXPORT void JSContextGroupClearExecutionTimeLimit(JSContextGroupRef group);

// From JSBasePrivate.h (also exported, header not shipped): an object describing the heap of the
// context's group: heapSize, heapCapacity, extraMemorySize, objectCount, ...
JS_EXPORT JSObjectRef JSGetMemoryUsageStatistics(JSContextRef ctx);

// From JSBasePrivate.h (exported, header not shipped): a full, synchronous garbage collection of
// the context's group. Used after a script is stopped for memory, so its garbage is gone before
// the next call is measured.
JS_EXPORT void JSSynchronousGarbageCollectForDebugging(JSContextRef ctx);

// From JSContextRefPrivate.h: lets the embedder switch off eval() and new Function().
JS_EXPORT void JSGlobalContextSetEvalEnabled(JSGlobalContextRef ctx, bool enabled, JSStringRef message);

#endif
