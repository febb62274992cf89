/// The shape of a batch of feature maps.
///
/// Inside the networks activations are laid out channel-major, C×N×H×W: channel c of the
/// whole batch is one contiguous run of N·H·W floats. BatchNorm then reduces contiguous
/// memory, and a convolution over the whole batch is one matrix product
/// W[Cout, Cin·kh·kw] × columns[Cin·kh·kw, N·H·W] with a long N·H·W side, which OpenBLAS runs
/// near its peak even for 16 channels. Images enter as N×C×H×W and are transposed once.
public struct ActivationShape: Equatable, Sendable, CustomStringConvertible {
    public var channels: Int
    public var batch: Int
    public var height: Int
    public var width: Int

    public init(channels: Int, batch: Int, height: Int, width: Int) {
        self.channels = channels
        self.batch = batch
        self.height = height
        self.width = width
    }

    public var spatial: Int { height * width }
    /// Elements of one channel across the batch: the BatchNorm reduction length.
    public var perChannel: Int { batch * height * width }
    public var count: Int { channels * batch * height * width }

    public var description: String { "\(channels)×\(batch)×\(height)×\(width) (C×N×H×W)" }
}
