/* A stand-in for libnvidia-ml.so.1 with two fake GPUs, so the NVML path of
 * the environment capture runs on machines without a GPU. It exports the
 * NVML functions raiiaf calls (with NVML's signatures) plus a few standin_*
 * controls that the tests reach by opening this library themselves. */
#include <string.h>

#define STANDIN_EXPORT __attribute__((visibility("default")))

typedef int nvmlReturn_t;
enum {
    NVML_SUCCESS = 0,
    NVML_ERROR_UNINITIALIZED = 1,
    NVML_ERROR_INVALID_ARGUMENT = 2,
    NVML_ERROR_INSUFFICIENT_SIZE = 7,
    NVML_ERROR_DRIVER_NOT_LOADED = 9,
};
typedef struct nvmlDevice_st* nvmlDevice_t;
typedef struct {
    unsigned long long total;
    unsigned long long free;
    unsigned long long used;
} nvmlMemory_t;

struct nvmlDevice_st {
    const char* name;
    unsigned long long memory_total;
};

static struct nvmlDevice_st fake_devices[2] = {
    {"Fake GPU Alpha 24GB", 24ULL * 1024 * 1024 * 1024},
    {"Fake GPU Beta", 16ULL * 1024 * 1024 * 1024 + 512ULL * 1024 * 1024},
};

static int init_depth;          /* nvmlInit_v2 minus nvmlShutdown calls */
static int init_calls;
static int fail_init;

STANDIN_EXPORT int standin_init_depth(void) { return init_depth; }
STANDIN_EXPORT int standin_init_calls(void) { return init_calls; }
STANDIN_EXPORT void standin_set_fail_init(int fail) { fail_init = fail; }

STANDIN_EXPORT nvmlReturn_t nvmlInit_v2(void) {
    ++init_calls;
    if (fail_init) return NVML_ERROR_DRIVER_NOT_LOADED;
    ++init_depth;
    return NVML_SUCCESS;
}

STANDIN_EXPORT nvmlReturn_t nvmlShutdown(void) {
    if (init_depth == 0) return NVML_ERROR_UNINITIALIZED;
    --init_depth;
    return NVML_SUCCESS;
}

STANDIN_EXPORT nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int* count) {
    if (init_depth == 0) return NVML_ERROR_UNINITIALIZED;
    if (!count) return NVML_ERROR_INVALID_ARGUMENT;
    *count = 2;
    return NVML_SUCCESS;
}

STANDIN_EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t* device) {
    if (init_depth == 0) return NVML_ERROR_UNINITIALIZED;
    if (!device || index >= 2) return NVML_ERROR_INVALID_ARGUMENT;
    *device = &fake_devices[index];
    return NVML_SUCCESS;
}

static nvmlReturn_t copy_string(const char* text, char* buffer, unsigned int length) {
    if (!buffer) return NVML_ERROR_INVALID_ARGUMENT;
    if (strlen(text) + 1 > length) return NVML_ERROR_INSUFFICIENT_SIZE;
    memcpy(buffer, text, strlen(text) + 1);
    return NVML_SUCCESS;
}

STANDIN_EXPORT nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char* name, unsigned int length) {
    if (init_depth == 0) return NVML_ERROR_UNINITIALIZED;
    if (!device) return NVML_ERROR_INVALID_ARGUMENT;
    return copy_string(device->name, name, length);
}

STANDIN_EXPORT nvmlReturn_t nvmlSystemGetDriverVersion(char* version, unsigned int length) {
    if (init_depth == 0) return NVML_ERROR_UNINITIALIZED;
    return copy_string("550.54.15", version, length);
}

STANDIN_EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t* memory) {
    if (init_depth == 0) return NVML_ERROR_UNINITIALIZED;
    if (!device || !memory) return NVML_ERROR_INVALID_ARGUMENT;
    memory->total = device->memory_total;
    memory->used = 1024ULL * 1024 * 1024;
    memory->free = memory->total - memory->used;
    return NVML_SUCCESS;
}

STANDIN_EXPORT nvmlReturn_t nvmlSystemGetCudaDriverVersion(int* version) {
    if (init_depth == 0) return NVML_ERROR_UNINITIALIZED;
    if (!version) return NVML_ERROR_INVALID_ARGUMENT;
    *version = 12040;
    return NVML_SUCCESS;
}
