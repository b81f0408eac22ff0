import LinkbackKit

// The XML-RPC decoder on any bytes: it must answer a call or a fault, never crash, and a call it
// decodes must encode again.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    if let call = try? XMLRPCDecoder.decode(bytes) {
        _ = XMLRPCEncoder.response(.array(call.params))
    }
    return 0
}
