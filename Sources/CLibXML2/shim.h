#ifndef LINKBACK_CLIBXML2_SHIM_H
#define LINKBACK_CLIBXML2_SHIM_H

// Debian builds libxml2 with ICU; its headers then clash with the toolchain's own ICU in every
// module that also sees Foundation. ICU only adds trailing fields Swift never allocates.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/HTMLparser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlmemory.h>

/// `xmlFree` is a global function-pointer variable, which Swift 6 strict concurrency rejects.
static inline void linkback_xmlFree(void *ptr) { xmlFree(ptr); }

static void linkback_silent_error(void *ctx, const char *msg, ...) { (void)ctx; (void)msg; }

/// Silences libxml2's generic error handler (per thread in 2.9) for this thread and new threads.
static inline void linkback_xml_silence(void) {
    xmlSetGenericErrorFunc(NULL, linkback_silent_error);
    xmlThrDefSetGenericErrorFunc(NULL, linkback_silent_error);
}

#endif
