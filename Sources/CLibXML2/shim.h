#ifndef LINKBACK_CLIBXML2_SHIM_H
#define LINKBACK_CLIBXML2_SHIM_H

// Debian builds libxml2 with ICU; its headers then clash with the toolchain's own ICU in every
// module that also sees Foundation. ICU only adds trailing fields Swift never allocates.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlmemory.h>
#include <libxml/parserInternals.h>
#include <string.h>

/// `xmlFree` is a global function-pointer variable, which Swift 6 strict concurrency rejects.
static inline void linkback_xmlFree(void *ptr) { xmlFree(ptr); }

static void linkback_silent_error(void *ctx, const char *msg, ...) { (void)ctx; (void)msg; }

/// Silences libxml2's generic error handler (per thread in 2.9) for this thread and new threads.
static inline void linkback_xml_silence(void) {
    xmlSetGenericErrorFunc(NULL, linkback_silent_error);
    xmlThrDefSetGenericErrorFunc(NULL, linkback_silent_error);
}

/// libxml2's nesting limit (`xmlParserMaxDepth`, a global variable Swift 6 cannot read safely):
/// past it, libxml2's own tree builder stops the parse.
static inline unsigned int linkback_xml_max_depth(void) { return xmlParserMaxDepth; }

/// Parses `size` bytes of HTML as libxml2 2.9's `htmlReadMemory` does (its context, made by
/// `xmlCreateMemoryParserCtxt`, which reads a page that names no encoding as UTF-8; its options and
/// encoding switch, from `htmlDoRead`), but with `handler`'s callbacks in place of the tree
/// builder's: no libxml2 tree is built. Each callback's context is the parser context, whose
/// `_private` is `user`.
static inline void linkback_html_sax_parse(
    const char *buffer, int size, const char *encoding, int options, const xmlSAXHandler *handler, void *user) {
    htmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(buffer, size);
    if (ctxt == NULL) return;
    memcpy(ctxt->sax, handler, sizeof(xmlSAXHandlerV1));
    ctxt->_private = user;
    htmlCtxtUseOptions(ctxt, options);
    ctxt->html = 1;
    if (encoding != NULL) {
        xmlCharEncodingHandlerPtr encoder = xmlFindCharEncodingHandler(encoding);
        if (encoder != NULL) {
            xmlSwitchToEncoding(ctxt, encoder);
            if (ctxt->input->encoding != NULL) xmlFree((xmlChar *)ctxt->input->encoding);
            ctxt->input->encoding = xmlStrdup((const xmlChar *)encoding);
        }
    }
    htmlParseDocument(ctxt);
    if (ctxt->myDoc != NULL) {
        xmlFreeDoc(ctxt->myDoc);
        ctxt->myDoc = NULL;
    }
    htmlFreeParserCtxt(ctxt);
}

#endif
