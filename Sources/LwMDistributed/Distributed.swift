#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Chooses the communicator for this process.
public enum Distributed {
    /// Environment variables set by the launchers lwm accepts: `mpirun` (Open MPI) sets
    /// `OMPI_COMM_WORLD_SIZE`; `srun` and other PMI launchers set `PMI_SIZE` or `PMIX_RANK`.
    public static let launcherVariables = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"]

    /// Whether an MPI launcher started this process, judged by `launcherVariables`.
    ///
    /// - Parameter environment: looks up one variable; the process environment by default.
    public static func isLaunchedByMPI(
        environment: (String) -> String? = { getenv($0).map { String(cString: $0) } }
    ) -> Bool {
        launcherVariables.contains { environment($0) != nil }
    }

    /// Starts MPI and returns its communicator when an MPI launcher started this process;
    /// otherwise returns a `SingleProcessCommunicator` without touching MPI at all.
    ///
    /// Stops the process with exit code 1 and one message on standard error when the
    /// timeout is not a positive number of seconds or MPI cannot start.
    ///
    /// - Parameter collectiveTimeout: seconds a blocking collective may take before the
    ///   whole job is stopped; it must exceed the longest time one rank can spend computing
    ///   between two collectives (an evaluation pass, a checkpoint write).
    public static func start(collectiveTimeout: Double) -> any Communicator {
        guard collectiveTimeout > 0, collectiveTimeout.isFinite else {
            writeLineToStandardError(
                "the collective timeout must be a positive number of seconds, "
                    + "not \(collectiveTimeout); pass for example 600")
            exit(1)
        }
        guard isLaunchedByMPI() else {
            return SingleProcessCommunicator()
        }
        do {
            return try MPICommunicator(collectiveTimeout: collectiveTimeout)
        } catch {
            writeLineToStandardError(error.description)
            exit(1)
        }
    }
}
