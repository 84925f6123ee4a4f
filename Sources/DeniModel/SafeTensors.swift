import DeniCore
import Foundation

/// Reading and writing the safetensors format: 8-byte little-endian header length, a JSON header
/// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}}`, then raw little-endian data.
///
/// The reader validates everything before handing out a tensor: header length within the file, JSON
/// well-formed, dtype known, byte size = product(shape) × dtype size, offsets inside the data section and
/// tensors not overlapping. Errors name the file and the problem.
public struct SafeTensorsError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let problem: String
    public init(_ file: String, _ problem: String) { self.file = file; self.problem = problem }
    public var description: String { "\(file): \(problem)" }
}

public enum SafeTensorsDType: String, Sendable, CaseIterable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64", i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"
    var size: Int {
        switch self {
        case .f64, .i64: 8
        case .f32, .i32: 4
        case .f16, .bf16, .i16: 2
        case .i8, .u8, .bool: 1
        }
    }
}

public struct SafeTensorInfo: Sendable {
    public let name: String
    public let dtype: SafeTensorsDType
    public let shape: [Int]
    public let range: Range<Int>   // byte range inside the data section
    public var count: Int { shape.reduce(1, *) }
}

/// The JSON header: `__metadata__` (strings to strings) and one entry per tensor. Shapes and offsets are read as
/// numbers and must be whole, ≥ 0 and below 2^63 (a fraction or 1e300 is refused, not truncated; Foundation's decoder
/// would report a fraction for an Int as "not valid JSON").
struct SafeTensorsHeader: Decodable {
    struct Entry: Decodable {
        let dtype: String
        let shape: [Double]
        let offsets: [Double]
        enum CodingKeys: String, CodingKey { case dtype, shape, offsets = "data_offsets" }
    }
    var tensors: [(name: String, entry: Entry)] = []
    var metadata: [String: String] = [:]

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        for key in c.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
            if key.stringValue == "__metadata__" {
                metadata = try c.decode([String: String].self, forKey: key)
            } else {
                tensors.append((key.stringValue, try c.decode(Entry.self, forKey: key)))
            }
        }
    }
}

/// A parsed safetensors file held in memory (read once; tensors are decoded on demand).
public final class SafeTensorsFile: @unchecked Sendable {
    public let path: String
    public let tensors: [String: SafeTensorInfo]
    public let metadata: [String: String]
    private let data: Data
    private let dataStart: Int

    public convenience init(url: URL) throws {
        let data: Data
        do { data = try FileProblem.contents(of: url, mapped: true) } catch {
            throw SafeTensorsError(url.path, FileManager.default.fileExists(atPath: url.path) ? "cannot be read (\(FileProblem.describe(error)))" : "file not found")
        }
        try self.init(data: data, path: url.path)
    }

    public init(data: Data, path: String) throws {
        self.path = path
        self.data = data
        guard data.count >= 8 else { throw SafeTensorsError(path, "truncated: \(data.count) bytes, shorter than the 8-byte header length") }
        let headerLength: UInt64 = data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> UInt64 in
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(raw[i]) << (8 * UInt64(i)) }
            return v
        }
        guard headerLength <= UInt64(data.count - 8) else {
            throw SafeTensorsError(path, "header length \(headerLength) is beyond the end of the file (\(data.count) bytes): truncated or not a safetensors file")
        }
        guard headerLength <= 100_000_000 else { throw SafeTensorsError(path, "header length \(headerLength) is implausibly large (at most 100,000,000 bytes)") }
        dataStart = 8 + Int(headerLength)
        let dataLength = data.count - dataStart
        let header: SafeTensorsHeader
        do { header = try JSONDecoder().decode(SafeTensorsHeader.self, from: data.subdata(in: 8..<dataStart)) } catch {
            throw SafeTensorsError(path, "header: \(StrictDecoding.describe(error, decoding: data.subdata(in: 8..<dataStart))) (expected {name: {dtype, shape, data_offsets}, …})")
        }
        var tensors: [String: SafeTensorInfo] = [:]
        for (name, entry) in header.tensors {
            guard let dtype = SafeTensorsDType(rawValue: entry.dtype) else {
                throw SafeTensorsError(path, "tensor '\(name)': unknown dtype '\(entry.dtype)' (valid: \(SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            func whole(_ values: [Double]) -> [Int]? {
                values.allSatisfy { $0 >= 0 && $0 < 0x1p63 && $0.rounded() == $0 } ? values.map { Int($0) } : nil
            }
            guard let shape = whole(entry.shape), let offsets = whole(entry.offsets), offsets.count == 2 else {
                let text = { (v: [Double]) in "[" + v.map(\.messageText).joined(separator: ", ") + "]" }
                throw SafeTensorsError(path, "tensor '\(name)': shape \(text(entry.shape)) and data_offsets \(text(entry.offsets)) must be whole numbers ≥ 0 (two offsets)")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end <= dataLength else {
                throw SafeTensorsError(path, "tensor '\(name)': data offsets [\(begin), \(end)] out of range (data section is \(dataLength) bytes)")
            }
            // The byte count of the shape, computed without overflow: a shape too large for memory is refused here.
            var bytes = dtype.size, overflow = false
            for d in shape where !overflow { (bytes, overflow) = bytes.multipliedReportingOverflow(by: d) }
            guard !overflow, bytes == end - begin else {
                throw SafeTensorsError(path, "tensor '\(name)': \(end - begin) bytes do not match shape \(shape) of \(dtype.rawValue)" +
                                       (overflow ? " (whose byte count overflows)" : ""))
            }
            tensors[name] = SafeTensorInfo(name: name, dtype: dtype, shape: shape, range: begin..<end)
        }
        let sorted = tensors.values.filter { !$0.range.isEmpty }.sorted { $0.range.lowerBound < $1.range.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.range.upperBound > b.range.lowerBound {
            throw SafeTensorsError(path, "tensors '\(a.name)' and '\(b.name)' overlap")
        }
        self.tensors = tensors
        self.metadata = header.metadata
    }

    /// Decodes a tensor as Float (F32, F16, BF16, F64, and integer types are converted).
    /// `floats(name)`, refusing a non-finite value by tensor and element (weights are never NaN or infinite).
    public func finiteFloats(_ name: String) throws -> [Float] {
        let values = try floats(name)
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw ModelError(path, "tensor '\(name)' holds a non-finite value at element \(bad)")
        }
        return values
    }

    public func floats(_ name: String) throws -> [Float] {
        guard let info = tensors[name] else { throw SafeTensorsError(path, "no tensor named '\(name)'") }
        var out = [Float](repeating: 0, count: info.count)
        let start = dataStart + info.range.lowerBound
        data.withUnsafeBytes { raw in
            let base = raw.baseAddress!.advanced(by: start)
            out.withUnsafeMutableBufferPointer { dst in
                switch info.dtype {
                case .f32:
                    memcpy(dst.baseAddress!, base, info.count * 4)
                case .f64:
                    for i in 0..<info.count { dst[i] = Float(base.loadUnaligned(fromByteOffset: i * 8, as: Double.self)) }
                case .f16:
                    for i in 0..<info.count { dst[i] = Float(Float16(bitPattern: base.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) }
                case .bf16:
                    for i in 0..<info.count { dst[i] = Float(bitPattern: UInt32(base.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) << 16) }
                case .i64:
                    for i in 0..<info.count { dst[i] = Float(base.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)) }
                case .i32:
                    for i in 0..<info.count { dst[i] = Float(base.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)) }
                case .i16:
                    for i in 0..<info.count { dst[i] = Float(base.loadUnaligned(fromByteOffset: i * 2, as: Int16.self)) }
                case .i8:
                    for i in 0..<info.count { dst[i] = Float(base.load(fromByteOffset: i, as: Int8.self)) }
                case .u8, .bool:
                    for i in 0..<info.count { dst[i] = Float(base.load(fromByteOffset: i, as: UInt8.self)) }
                }
            }
        }
        return out
    }

    /// Decodes an integer tensor (I64, I32) as Int.
    public func ints(_ name: String) throws -> [Int] {
        guard let info = tensors[name] else { throw SafeTensorsError(path, "no tensor named '\(name)'") }
        let start = dataStart + info.range.lowerBound
        return data.withUnsafeBytes { raw in
            let base = raw.baseAddress!.advanced(by: start)
            return (0..<info.count).map { i in
                switch info.dtype {
                case .i64: Int(base.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))
                case .i32: Int(base.loadUnaligned(fromByteOffset: i * 4, as: Int32.self))
                default: Int(0)
                }
            }
        }
    }
}

/// Writes F32 tensors (and I64 index tensors) as a safetensors file, atomically (temp file + rename).
public struct SafeTensorsWriter {
    public enum Payload { case f32([Float]), i64([Int]) }
    private var entries: [(name: String, shape: [Int], payload: Payload)] = []
    public var metadata: [String: String] = [:]
    public init() {}

    public mutating func add(_ name: String, shape: [Int], _ values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not match \(values.count) values for \(name)")
        entries.append((name, shape, .f32(values)))
    }

    public mutating func add(_ name: String, shape: [Int], ints: [Int]) {
        entries.append((name, shape, .i64(ints)))
    }

    public func data() throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        var body = Data()
        for e in entries {
            let bytes: Data
            switch e.payload {
            case .f32(let v): bytes = v.withUnsafeBufferPointer { Data(buffer: $0) }
            case .i64(let v): bytes = v.map(Int64.init).withUnsafeBufferPointer { Data(buffer: $0) }
            }
            let dtype: String = { if case .f32 = e.payload { return "F32" } else { return "I64" } }()
            header[e.name] = ["dtype": dtype, "shape": e.shape, "data_offsets": [offset, offset + bytes.count]]
            offset += bytes.count
            body.append(bytes)
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var out = Data()
        var n = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(json)
        out.append(body)
        return out
    }

    public func write(to url: URL) throws {
        try OutputFile.write(data(), to: url, what: "the weights")
    }
}
