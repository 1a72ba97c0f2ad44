/* What the load stage's memory traffic alone costs on this machine: the floor under
 * CSVReader's scan. Reads a file through a read-only private mapping (as MappedFile does) on N
 * threads, then writes `columns` fresh arrays of `rows` doubles (as the scan fills its columns),
 * each twice: first touch (page faults, pages the kernel must zero), then again (memory only).
 * Then one streaming pass over what an IRLS pass of the propensity model reads and writes, held in
 * warm memory as the model holds it: `dense` columns of doubles (the numeric covariates and the
 * response), `codes` columns of 4-byte category codes (each factor's indicators are written from
 * its codes, tile by tile), and two columns of doubles written (the linear predictor and the fitted
 * mean); the intercept is a constant tile and reads nothing. Built and run by
 * Benchmarks/memory-floor; not part of the package. */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

static const uint8_t *input;
static size_t input_size;
static double *columns;
static size_t rows, column_count, dense_count, code_count;
static double *dense, *written;
static int32_t *codes;
static double design_sink[64];
static int threads;
static uint64_t sink[64];

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void *read_part(void *arg) {
    long k = (long)arg;
    size_t lo = input_size * (size_t)k / (size_t)threads / 8 * 8;
    size_t hi = k == threads - 1 ? input_size / 8 * 8 : input_size * (size_t)(k + 1) / (size_t)threads / 8 * 8;
    uint64_t s = 0;
    for (size_t p = lo; p < hi; p += 8) {
        uint64_t w;
        memcpy(&w, input + p, 8);
        s ^= w + (w >> 7);
    }
    sink[k] = s;
    return NULL;
}

static void *write_part(void *arg) {
    long k = (long)arg;
    size_t lo = rows * (size_t)k / (size_t)threads, hi = rows * (size_t)(k + 1) / (size_t)threads;
    for (size_t c = 0; c < column_count; c++) {
        double *column = columns + c * rows;
        for (size_t i = lo; i < hi; i++) column[i] = (double)i;
    }
    return NULL;
}

static void *read_design(void *arg) {
    long k = (long)arg;
    size_t lo = rows * (size_t)k / (size_t)threads, hi = rows * (size_t)(k + 1) / (size_t)threads;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (size_t c = 0; c < dense_count; c++) {
        const double *column = dense + c * rows;
        size_t i = lo;
        for (; i + 4 <= hi; i += 4) { s0 += column[i]; s1 += column[i + 1]; s2 += column[i + 2]; s3 += column[i + 3]; }
        for (; i < hi; i++) s0 += column[i];
    }
    int64_t n = 0;
    for (size_t c = 0; c < code_count; c++) {
        const int32_t *column = codes + c * rows;
        for (size_t i = lo; i < hi; i++) n += column[i];
    }
    for (size_t c = 0; c < 2; c++) {
        double *column = written + c * rows;
        for (size_t i = lo; i < hi; i++) column[i] = (double)i;
    }
    design_sink[k] = s0 + s1 + s2 + s3 + (double)n;
    return NULL;
}

static void *fill_design(void *arg) {
    long k = (long)arg;
    size_t lo = rows * (size_t)k / (size_t)threads, hi = rows * (size_t)(k + 1) / (size_t)threads;
    for (size_t c = 0; c < dense_count; c++)
        for (size_t i = lo; i < hi; i++) dense[c * rows + i] = (double)(i & 7);
    for (size_t c = 0; c < code_count; c++)
        for (size_t i = lo; i < hi; i++) codes[c * rows + i] = (int32_t)(i % 5);
    for (size_t c = 0; c < 2; c++)
        for (size_t i = lo; i < hi; i++) written[c * rows + i] = 0;
    return NULL;
}

static double on_every_thread(void *(*work)(void *)) {
    pthread_t id[64];
    double start = now();
    for (long k = 0; k < threads; k++) pthread_create(&id[k], NULL, work, (void *)k);
    for (long k = 0; k < threads; k++) pthread_join(id[k], NULL);
    return now() - start;
}

int main(int argc, char **argv) {
    if (argc != 5 && argc != 7) {
        fprintf(stderr, "usage: memory-floor FILE THREADS ROWS COLUMNS [DENSE CODES]\n");
        return 64;
    }
    threads = atoi(argv[2]);
    rows = (size_t)atol(argv[3]);
    column_count = (size_t)atol(argv[4]);
    if (threads < 1 || threads > 64) { fprintf(stderr, "memory-floor: THREADS must be 1-64\n"); return 64; }
    int fd = open(argv[1], O_RDONLY);
    struct stat info;
    if (fd < 0 || fstat(fd, &info) != 0 || info.st_size <= 0) { perror(argv[1]); return 66; }
    input_size = (size_t)info.st_size;
    input = mmap(NULL, input_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (input == MAP_FAILED) { perror("mmap"); return 71; }
    double first = on_every_thread(read_part), again = on_every_thread(read_part);
    printf("read %zu bytes (mapped, %d threads): first %.3f s (%.2f GB/s), again %.3f s (%.2f GB/s)\n",
           input_size, threads, first, (double)input_size / first / 1e9, again, (double)input_size / again / 1e9);
    size_t bytes = rows * column_count * sizeof(double);
    columns = malloc(bytes);
    if (!columns) { fprintf(stderr, "memory-floor: cannot allocate %zu bytes\n", bytes); return 71; }
    first = on_every_thread(write_part);
    again = on_every_thread(write_part);
    printf("write %zu columns x %zu doubles (%zu bytes): first touch %.3f s (%.2f GB/s), again %.3f s (%.2f GB/s)\n",
           column_count, rows, bytes, first, (double)bytes / first / 1e9, again, (double)bytes / again / 1e9);
    free(columns);
    dense_count = argc == 7 ? (size_t)atol(argv[5]) : 0;
    code_count = argc == 7 ? (size_t)atol(argv[6]) : 0;
    if (dense_count + code_count > 0) {
        size_t read_bytes = rows * (dense_count * sizeof(double) + code_count * sizeof(int32_t));
        size_t write_bytes = rows * 2 * sizeof(double);
        dense = malloc(rows * (dense_count ? dense_count : 1) * sizeof(double));
        codes = malloc(rows * (code_count ? code_count : 1) * sizeof(int32_t));
        written = malloc(rows * 2 * sizeof(double));
        if (!dense || !codes || !written) { fprintf(stderr, "memory-floor: cannot allocate the design\n"); return 71; }
        on_every_thread(fill_design);
        double best = 1e30;
        for (int round = 0; round < 5; round++) {
            double t = on_every_thread(read_design);
            if (t < best) best = t;
        }
        printf("one pass over a design held as the model holds it (warm): read %zu columns of doubles and %zu of "
               "4-byte codes (%zu bytes), write 2 columns of doubles (%zu bytes): best of 5 %.4f s (%.2f GB/s)\n",
               dense_count, code_count, read_bytes, write_bytes, best, (double)(read_bytes + write_bytes) / best / 1e9);
    }
    return (int)(sink[0] & 0) + (design_sink[0] == -1.0);
}
