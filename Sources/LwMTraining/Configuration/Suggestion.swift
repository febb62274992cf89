/// The closest known name to a mistyped one, for "did you mean …?" in error messages.
enum Suggestion {
    /// The candidate closest to `input`, or nil when none is reasonably close.
    ///
    /// A candidate is close when its edit distance is at most a third of the input's length
    /// (at least 1), or when one name begins with the other and the shorter has two or more
    /// characters ("lr-rate" and "lr", "temp" and "temperature"). Among close candidates the
    /// smallest distance wins, prefix matches counting as distance 1; ties go to the smaller
    /// true distance, then the longer shared prefix, then the earlier candidate. Letter case
    /// is ignored.
    static func closest(to input: String, among candidates: [String]) -> String? {
        let typed = input.lowercased()
        var best: (candidate: String, rank: (Int, Int, Int))?
        for candidate in candidates {
            let known = candidate.lowercased()
            let distance = editDistance(typed, known)
            let shorter = min(typed.count, known.count)
            let isPrefix = shorter >= 2 && (typed.hasPrefix(known) || known.hasPrefix(typed))
            guard distance <= max(1, typed.count / 3) || isPrefix else { continue }

            let score = isPrefix ? min(distance, 1) : distance
            let rank = (score, distance, -zip(typed, known).prefix { $0 == $1 }.count)
            if let current = best, current.rank <= rank { continue }
            best = (candidate, rank)
        }
        return best?.candidate
    }

    /// The Levenshtein distance: the fewest single-character insertions, deletions and
    /// substitutions that turn `a` into `b`.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }

        // One row of the dynamic-programming table at a time: previous[j] is the distance
        // between the first i − 1 characters of a and the first j of b.
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
