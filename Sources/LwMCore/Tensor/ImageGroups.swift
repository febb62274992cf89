/// Why lwm gives the same model on any number of ranks.
///
/// A data-parallel step adds up per-image contributions (parameter gradients, BatchNorm
/// statistics) that one process would add in one order and P ranks in another. Float32 sums in
/// different orders differ in the last bits, and training amplifies such differences: BatchNorm
/// gradients are small differences of large sums, and L_AD's L1 distance flips sign at equal
/// maps. So lwm makes every sum independent of the sharding:
///
/// - every batch is cut into groups of `imagesPerGroup` consecutive images; a rank's shard is
///   a run of whole groups (only the batch's last group may be short);
/// - layers process images in chunks that divide a group and start at a group boundary, so
///   each matrix product covers the same images whatever the rank count;
/// - each chunk's parameter gradient is added into a Double accumulator, BatchNorm sums per
///   image into Doubles, and ranks all-reduce Doubles; rounding to Float happens once, at
///   the end.
///
/// The remaining difference is the association of Double sums, which changes the rounded Float
/// result with a probability of about 1e-9 per value.
public enum ImageGroups {
    public static let imagesPerGroup = 8

    /// Images per chunk for a layer whose images cost `floatsPerImage` of workspace: the
    /// largest power of two dividing the group that keeps the workspace under `budget`.
    static func imagesPerChunk(floatsPerImage: Int, budget: Int) -> Int {
        var images = imagesPerGroup
        while images > 1 && images * floatsPerImage > budget { images /= 2 }
        return images
    }

    /// The images of a batch of `count` that rank `rank` of `size` computes: a contiguous run
    /// of whole groups, the groups balanced over the ranks (the first ranks take one more).
    public static func shard(of count: Int, rank: Int, size: Int) -> Range<Int> {
        let groups = (count + imagesPerGroup - 1) / imagesPerGroup
        let base = groups / size
        let extra = groups % size
        let firstGroup = rank * base + min(rank, extra)
        let groupCount = base + (rank < extra ? 1 : 0)
        let start = min(firstGroup * imagesPerGroup, count)
        return start..<min((firstGroup + groupCount) * imagesPerGroup, count)
    }
}
