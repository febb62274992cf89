/// A picture of attention maps: one row per image, columns image | teacher map | student map,
/// titles above the columns, a caption under each tile and a colour bar at the bottom.
///
/// Each map is divided by its own maximum (so the two columns compare where each model looks,
/// not how strongly), upsampled bilinearly to the tile, coloured with ``colorMap`` and blended
/// over the image. Images are enlarged by an integer factor with nearest-neighbour sampling,
/// so their pixels stay visible.
public struct AttentionGrid: Sendable {
    /// One image and its two maps.
    public struct Row: Sendable {
        /// The image as it was shown to the networks, unnormalised, at input size.
        public var image: Raster
        public var teacherMap: ScalarMap
        public var studentMap: ScalarMap
        /// Text under each of the three tiles; missing or empty entries leave the space blank.
        public var captions: [String]

        public init(image: Raster, teacherMap: ScalarMap, studentMap: ScalarMap, captions: [String])
        {
            self.image = image
            self.teacherMap = teacherMap
            self.studentMap = studentMap
            self.captions = captions
        }
    }

    public var columnTitles = ["image", "teacher", "student"]
    public var colorMap = ColorMap.rainbow
    /// The weight of the map's colour over the image.
    public var opacity: Float = 0.5
    /// Tiles are the image enlarged by the smallest integer factor that makes its longer side
    /// at least this many pixels.
    public var minimumTileSide = 160

    static let margin = 10
    static let gap = 8
    static let textScale = 2
    static let textHeight = BitmapFont.glyphHeight * textScale
    static let colorBarHeight = 12
    static let background = RGB(red: 255, green: 255, blue: 255)
    static let ink = RGB(red: 40, green: 40, blue: 40)

    public init() {}

    /// The integer enlargement of an image of `width`×`height`.
    public func scale(width: Int, height: Int) -> Int {
        let side = max(width, height)
        return max(1, (minimumTileSide + side - 1) / side)
    }

    /// The width and height of the picture for `rows` rows of images of `width`×`height`.
    public func size(rows: Int, imageWidth: Int, imageHeight: Int) -> (width: Int, height: Int) {
        let scale = scale(width: imageWidth, height: imageHeight)
        let (tileWidth, tileHeight) = (imageWidth * scale, imageHeight * scale)
        let width = 2 * Self.margin + 3 * tileWidth + 2 * Self.gap
        let header = Self.textHeight + Self.gap
        let row = tileHeight + 4 + Self.textHeight + Self.gap
        let footer = Self.colorBarHeight + 4 + Self.textHeight
        return (width, 2 * Self.margin + header + rows * row + footer)
    }

    /// `map` normalised by its maximum, upsampled to `image`'s size times `scale`, coloured and
    /// blended over the enlarged image.
    public func overlay(_ map: ScalarMap, on image: Raster, scale: Int) -> Raster {
        let (width, height) = (image.width * scale, image.height * scale)
        let heat = map.normalizedByMaximum()
            .resized(width: width, height: height, interpolation: .bilinear)
        let enlarged = image.resized(width: width, height: height, interpolation: .nearest)
        return enlarged.blended(with: colorMap.colorize(heat), opacity: opacity)
    }

    /// The picture of `rows`, which must all hold images of one size.
    public func render(_ rows: [Row]) -> Raster {
        precondition(!rows.isEmpty, "an attention grid needs at least one row")
        let (imageWidth, imageHeight) = (rows[0].image.width, rows[0].image.height)
        precondition(
            rows.allSatisfy { $0.image.width == imageWidth && $0.image.height == imageHeight },
            "every image of a grid must have one size")
        let scale = scale(width: imageWidth, height: imageHeight)
        let (tileWidth, tileHeight) = (imageWidth * scale, imageHeight * scale)
        let size = size(rows: rows.count, imageWidth: imageWidth, imageHeight: imageHeight)
        var picture = Raster(width: size.width, height: size.height, color: Self.background)
        let columnX = (0..<3).map { Self.margin + $0 * (tileWidth + Self.gap) }

        var y = Self.margin
        for (column, title) in columnTitles.prefix(3).enumerated() {
            drawLabel(title, into: &picture, x: columnX[column], y: y, width: tileWidth)
        }
        y += Self.textHeight + Self.gap

        for row in rows {
            let enlarged = row.image.resized(
                width: tileWidth, height: tileHeight, interpolation: .nearest)
            picture.draw(enlarged, x: columnX[0], y: y)
            picture.draw(overlay(row.teacherMap, on: row.image, scale: scale), x: columnX[1], y: y)
            picture.draw(overlay(row.studentMap, on: row.image, scale: scale), x: columnX[2], y: y)
            for (column, caption) in row.captions.prefix(3).enumerated() {
                drawLabel(
                    caption, into: &picture, x: columnX[column], y: y + tileHeight + 4,
                    width: tileWidth)
            }
            y += tileHeight + 4 + Self.textHeight + Self.gap
        }

        drawColorBar(into: &picture, x: Self.margin, y: y, width: size.width - 2 * Self.margin)
        return picture
    }

    /// The colour map from 0 to 1 left to right, labelled "0" and "max" at its ends.
    private func drawColorBar(into picture: inout Raster, x: Int, y: Int, width: Int) {
        for column in 0..<width {
            let value = Float(column) / Float(max(width - 1, 1))
            picture.fill(
                x: x + column, y: y, width: 1, height: Self.colorBarHeight,
                color: colorMap.color(value))
        }
        let labelY = y + Self.colorBarHeight + 4
        picture.drawText("0", x: x, y: labelY, scale: Self.textScale, color: Self.ink)
        let middle = "attention / its max"
        let middleWidth = BitmapFont.width(of: middle, scale: Self.textScale)
        if middleWidth + 2 * BitmapFont.width(of: "max", scale: Self.textScale) < width {
            picture.drawText(
                middle, x: x + (width - middleWidth) / 2, y: labelY, scale: Self.textScale,
                color: Self.ink)
        }
        let end = "max"
        picture.drawText(
            end, x: x + width - BitmapFont.width(of: end, scale: Self.textScale), y: labelY,
            scale: Self.textScale, color: Self.ink)
    }

    /// `text` at the text scale if it fits `width`, else at half that, else cut with "..".
    private func drawLabel(_ text: String, into picture: inout Raster, x: Int, y: Int, width: Int) {
        guard !text.isEmpty else { return }
        if BitmapFont.width(of: text, scale: Self.textScale) <= width {
            picture.drawText(text, x: x, y: y, scale: Self.textScale, color: Self.ink)
            return
        }
        // Half-size text sits on the same baseline as full-size text.
        let smallY = y + Self.textHeight - BitmapFont.glyphHeight
        var fitted = text
        while BitmapFont.width(of: fitted, scale: 1) > width && fitted.count > 2 {
            fitted = String(fitted.dropLast(3)) + ".."
        }
        picture.drawText(fitted, x: x, y: smallY, scale: 1, color: Self.ink)
    }
}
