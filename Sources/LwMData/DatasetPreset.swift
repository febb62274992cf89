/// A dataset lwm knows by name: the format of its files, its image size and the augmentation
/// its training images get by default.
public enum DatasetPreset: String, Sendable, Codable, CaseIterable {
    /// Fashion-MNIST's four IDX files, 28×28 grayscale, 10 named classes.
    case fashionMNIST = "fashion-mnist"
    /// MNIST's four IDX files, 28×28 grayscale, 10 classes.
    case mnist
    /// Any IDX dataset; the class count is the largest label plus one.
    case idx
    /// CIFAR-10's binary batches, 32×32 RGB, 10 classes.
    case cifar10
    /// CIFAR-100's binary files, 32×32 RGB, 100 fine classes or 20 coarse ones.
    case cifar100
    /// Caltech 101 as `101_ObjectCategories/<class>/*.jpg` with the split lists `train.txt`
    /// and `test.txt` beside that folder; 101 classes (the background class is left out).
    case caltech101
    /// Any folder of JPEG and PNG images, one sub-folder per class.
    case imageFolder = "imagefolder"

    /// How a preset's files are laid out.
    public enum Format: String, Sendable, Codable {
        case idx
        case cifar10
        case cifar100
        case imageFolder
    }

    public var format: Format {
        switch self {
        case .fashionMNIST, .mnist, .idx: .idx
        case .cifar10: .cifar10
        case .cifar100: .cifar100
        case .caltech101, .imageFolder: .imageFolder
        }
    }

    /// Whether the files store images of one size, which a load cannot change: IDX datasets
    /// and CIFAR. Image folders are resized to any size.
    public var hasFixedImageSize: Bool { format != .imageFolder }

    /// The side of the square images a load makes when no size is given: the stored size of
    /// fixed-size formats (`nil` for generic IDX, whose size the files tell), else the size
    /// images are resized to.
    public var defaultImageSize: Int? {
        switch self {
        case .fashionMNIST, .mnist: 28
        case .idx: nil
        case .cifar10, .cifar100: 32
        case .caltech101, .imageFolder: 64
        }
    }

    /// Colour channels of the loaded images: 1 for IDX, 3 (RGB) otherwise.
    public var channels: Int { format == .idx ? 1 : 3 }

    /// The transformations of training images: none for the IDX digits and clothes (whose
    /// objects are centred and upright), CIFAR's padded crop and flip, and for image folders
    /// a random-resized crop and flip.
    public var defaultAugmentation: Augmentation {
        switch format {
        case .idx: .none
        case .cifar10, .cifar100: .paddedCropAndFlip(padding: 4)
        // Scales from 0.35 rather than torchvision's 0.08: at 32 to 64 pixels a crop of 8%
        // of the image keeps too little of the object to name it.
        case .imageFolder: .randomResizedCropAndFlip(scale: 0.35...1)
        }
    }

    /// The class count when the preset fixes it (CIFAR-100's depends on the labels used);
    /// `nil` when only the files can tell.
    public func numberOfClasses(cifarLabels: CIFARLabels = .fine) -> Int? {
        switch self {
        case .fashionMNIST, .mnist, .cifar10: 10
        case .cifar100: cifarLabels == .fine ? 100 : 20
        case .caltech101: 101
        case .idx, .imageFolder: nil
        }
    }
}
