// Open MPI's handles are macros over global symbols, which Swift cannot import: each one used
// by lwm gets a static inline getter here.
#include <mpi.h>

static inline MPI_Comm lwm_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype lwm_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype lwm_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype lwm_int64(void) { return MPI_INT64_T; }
static inline MPI_Datatype lwm_byte(void) { return MPI_BYTE; }
static inline MPI_Op lwm_sum(void) { return MPI_SUM; }
static inline MPI_Op lwm_max(void) { return MPI_MAX; }
static inline MPI_Op lwm_min(void) { return MPI_MIN; }
static inline void *lwm_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Request lwm_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_Errhandler lwm_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline MPI_Status *lwm_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline int lwm_success(void) { return MPI_SUCCESS; }
static inline int lwm_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int lwm_max_error_string(void) { return MPI_MAX_ERROR_STRING; }
