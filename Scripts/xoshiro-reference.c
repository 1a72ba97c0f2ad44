/* Writes Tests/Fixtures/cxx/xoshiro256starstar.csv: the first outputs of xoshiro256** (Blackman and
 * Vigna) from fixed states, written from the published algorithm, as the reference for
 * Randomness.RandomStream.
 *   gcc -O2 Scripts/xoshiro-reference.c -o /tmp/xoshiro && /tmp/xoshiro > Tests/Fixtures/cxx/xoshiro256starstar.csv
 */
#include <inttypes.h>
#include <stdio.h>

static uint64_t s[4];
static inline uint64_t rotl(const uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static uint64_t next(void) {
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

int main(void) {
    const uint64_t states[3][4] = {
        {1, 2, 3, 4},
        {0x0123456789ABCDEFull, 0xFEDCBA9876543210ull, 0x0F1E2D3C4B5A6978ull, 0x8796A5B4C3D2E1F0ull},
        {0xFFFFFFFFFFFFFFFFull, 0, 0x8000000000000000ull, 1},
    };
    printf("s0,s1,s2,s3,index,output\n");
    for (int c = 0; c < 3; c++) {
        for (int k = 0; k < 4; k++) s[k] = states[c][k];
        for (int i = 0; i < 20; i++) {
            uint64_t v = next();
            printf("%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%d,%" PRIu64 "\n",
                   states[c][0], states[c][1], states[c][2], states[c][3], i, v);
        }
    }
    return 0;
}
