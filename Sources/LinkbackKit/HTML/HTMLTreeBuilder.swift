import CLibXML2

/// Builds Linkback's tree straight from libxml2's HTML parser events (SAX), so no libxml2 tree is
/// built, walked and freed for every page: that was about half of libxml2's time and most of the
/// conversion's. The tree is the one libxml2's own builder (`xmlSAX2StartElement` and friends in
/// libxml2 2.9) would have made and ``HTMLDocument`` used to convert: the same element names
/// (namespace prefixes split off), boolean attributes valued by their name, text outside any
/// element dropped, the parse stopped where libxml2's nesting limit stops it, elements deeper than
/// ``HTMLDocument/maxDepth`` left out. `HTMLTreeBuilderTests` compares the two on real and
/// generated pages, so an update of libxml2 (Debian 12 ships 2.9.14) that builds otherwise shows
/// there first.
///
/// A struct reached through a pointer from the callbacks (a class's properties cost an exclusivity
/// check at every access), with the children of all open elements on one stack, so each element's
/// array is made once, at its end tag, at its size.
struct HTMLTreeBuilder {
    /// An element whose end tag has not come yet.
    private struct Open {
        var name: String
        var attributes: [HTMLAttribute]
        /// Where its children start on ``nodes``.
        let firstChild: Int
        /// Nesting in the finished tree (the root is 0).
        let depth: Int
        /// Whether it goes into the tree: not when deeper than the limit, nor under such an element
        /// or a top-level element libxml2 would have put beside the root.
        let kept: Bool
    }

    private var open: [Open] = []
    /// The children of the open elements so far, outermost first.
    private var nodes: [HTMLNode] = []
    /// Text of the innermost open element not yet made a node: libxml2 hands text over in pieces
    /// (every entity reference is one), and joining them as they come would copy them again and again.
    private var pendingText: [UInt8] = []
    /// The root element once its end tag has come: later top-level elements may still join it.
    private var closedRoot: (name: String, attributes: [HTMLAttribute], children: [HTMLNode])?
    /// Whether the root is the document's first node. libxml2 adds an element that starts after the
    /// root has closed to the document's first node: the root itself (as its last child) when it is
    /// that, a sibling of a doctype or comment otherwise (and then not part of the tree).
    private var rootIsFirst = true
    private var sawRoot = false
    private var stopped = false

    /// The `<html>` element of `bytes` (or an empty one, as before, when the page has no element).
    static func root(of bytes: UnsafeBufferPointer<UInt8>, encoding: String?, options: Int32) -> HTMLElement {
        var builder = HTMLTreeBuilder()
        if let base = bytes.baseAddress, !bytes.isEmpty {
            withUnsafeMutablePointer(to: &builder) { user in
                base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { chars in
                    withUnsafePointer(to: Self.handler()) { handler in
                        linkback_html_sax_parse(chars, Int32(bytes.count), encoding, options, handler, user)
                    }
                }
            }
        }
        return builder.finish()
    }

    /// The callbacks (made for each parse: a C struct of function pointers is not `Sendable`).
    private static func handler() -> xmlSAXHandler {
        var handler = xmlSAXHandler()
        handler.initialized = 1  // as libxml2's own HTML handler
        handler.startElement = { context, name, attributes in
            guard let name else { return }
            HTMLTreeBuilder.builder(context).pointee.start(name, attributes, parser: context)
        }
        handler.endElement = { context, _ in HTMLTreeBuilder.builder(context).pointee.end() }
        handler.characters = { context, text, length in HTMLTreeBuilder.builder(context).pointee.text(text, Int(length)) }
        handler.cdataBlock = { context, text, length in HTMLTreeBuilder.builder(context).pointee.text(text, Int(length)) }
        handler.comment = { context, text in HTMLTreeBuilder.builder(context).pointee.comment(text) }
        handler.internalSubset = { context, _, _, _ in HTMLTreeBuilder.builder(context).pointee.doctype() }
        // Processing instructions are no part of the tree; outside every element, they are a
        // document node before the root.
        handler.processingInstruction = { context, _, _ in HTMLTreeBuilder.builder(context).pointee.documentNode() }
        return handler
    }

    private static func builder(_ context: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<HTMLTreeBuilder> {
        context!.assumingMemoryBound(to: xmlParserCtxt.self).pointee._private.assumingMemoryBound(to: HTMLTreeBuilder.self)
    }

    private mutating func start(_ name: UnsafePointer<xmlChar>, _ attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?, parser: UnsafeMutableRawPointer?) {
        guard !stopped else { return }
        // libxml2 stops the whole parse at an element nested this deep (`nodePush`).
        if open.count > Int(linkback_xml_max_depth()) {
            stopped = true
            xmlStopParser(parser?.assumingMemoryBound(to: xmlParserCtxt.self))
            return
        }
        flushText()
        let depth: Int
        let kept: Bool
        if let parent = open.last {
            depth = parent.depth + 1
            kept = parent.kept && depth <= HTMLDocument.maxDepth
        } else if !sawRoot {
            sawRoot = true
            (depth, kept) = (0, true)
        } else {
            (depth, kept) = (1, rootIsFirst && closedRoot != nil)
        }
        guard kept else {
            open.append(Open(name: "", attributes: [], firstChild: nodes.count, depth: depth, kept: false))
            return
        }
        var list: [HTMLAttribute] = []
        if let attributes {
            var count = 0
            while attributes[count] != nil { count += 2 }
            list.reserveCapacity(count / 2)
            var index = 0
            while let attribute = attributes[index] {
                let value: String
                if let text = attributes[index + 1] {
                    value = String(cString: text)
                } else if htmlIsBooleanAttr(attribute) != 0 {
                    value = String(cString: attribute)  // `<input checked>`: libxml2 writes checked="checked"
                } else {
                    value = ""
                }
                list.append(HTMLAttribute(name: Self.lowerCased(attribute), value: value))
                index += 2
            }
        }
        open.append(Open(name: Self.elementName(name, parser: parser), attributes: list, firstChild: nodes.count, depth: depth, kept: true))
    }

    private mutating func end() {
        guard !stopped else { return }
        close()
    }

    /// Ends the innermost open element: it joins its parent, or the root (see ``rootIsFirst``).
    private mutating func close() {
        flushText()
        guard let element = open.popLast() else { return }
        let children = Array(nodes[element.firstChild...])
        nodes.removeSubrange(element.firstChild...)
        guard element.kept else { return }
        let built = HTMLElement(name: element.name, attributes: element.attributes, children: children)
        if let parent = open.last {
            if parent.kept { nodes.append(.element(built)) }
        } else if element.depth == 0 {
            closedRoot = (element.name, element.attributes, children)
        } else {
            closedRoot?.children.append(.element(built))
        }
    }

    private mutating func text(_ bytes: UnsafePointer<xmlChar>?, _ length: Int) {
        guard !stopped, let bytes, length > 0, let current = open.last, current.kept else { return }
        pendingText.append(contentsOf: UnsafeBufferPointer(start: bytes, count: length))
    }

    private mutating func comment(_ text: UnsafePointer<xmlChar>?) {
        guard !stopped else { return }
        guard let current = open.last else { return documentNode() }
        flushText()
        guard current.kept else { return }
        nodes.append(.comment(text.map { String(cString: $0) } ?? ""))
    }

    /// A comment or processing instruction: when outside every element, a node of the document,
    /// which comes before the root when the root has not started.
    private mutating func documentNode() {
        if open.isEmpty && !sawRoot { rootIsFirst = false }
    }

    /// A doctype, wherever it is: libxml2 puts it first among the document's nodes (`xmlCreateIntSubset`).
    private mutating func doctype() {
        guard !stopped else { return }
        rootIsFirst = false
    }

    private mutating func flushText() {
        guard !pendingText.isEmpty else { return }
        let text = String(decoding: pendingText, as: UTF8.self)
        pendingText.removeAll(keepingCapacity: true)
        guard let current = open.last else { return }
        if nodes.count > current.firstChild, case .text(let previous) = nodes[nodes.count - 1] {
            nodes[nodes.count - 1] = .text(previous + text)
        } else {
            nodes.append(.text(text))
        }
    }

    private mutating func finish() -> HTMLElement {
        while !open.isEmpty { close() }
        guard let root = closedRoot else { return HTMLElement(name: "html") }
        return HTMLElement(name: root.name, attributes: root.attributes, children: root.children)
    }

    /// An element's name as libxml2's tree names it: a `prefix:` split off (`xmlSplitQName`), lower case.
    private static func elementName(_ name: UnsafePointer<xmlChar>, parser: UnsafeMutableRawPointer?) -> String {
        guard strchr(UnsafeRawPointer(name).assumingMemoryBound(to: CChar.self), Int32(UInt8(ascii: ":"))) != nil else {
            return lowerCased(name)
        }
        var prefix: UnsafeMutablePointer<xmlChar>?
        guard let local = xmlSplitQName(parser?.assumingMemoryBound(to: xmlParserCtxt.self), name, &prefix) else {
            return lowerCased(name)
        }
        defer {
            linkback_xmlFree(local)
            if let prefix { linkback_xmlFree(prefix) }
        }
        return lowerCased(local)
    }

    /// An element's or attribute's name in lower case. libxml2's HTML parser lower-cases the names
    /// it reads already, so this copies them as they are unless a byte says otherwise (an upper-case
    /// ASCII letter, or anything not ASCII, which Swift's `lowercased()` handles).
    private static func lowerCased(_ name: UnsafePointer<xmlChar>) -> String {
        var byte = name
        while byte.pointee != 0 {
            if byte.pointee >= 0x80 || (byte.pointee >= UInt8(ascii: "A") && byte.pointee <= UInt8(ascii: "Z")) {
                return String(cString: name).lowercased()
            }
            byte += 1
        }
        return String(cString: name)
    }
}
