// See include/ckernels.h. The transforms of Winograd's minimal filtering F(4x4, 3x3) (Lavin & Gray 2016,
// "Fast Algorithms for Convolutional Neural Networks", arXiv:1509.09308, the matrices of its appendix):
//   forward   Y = A^T [ (G g G^T) . (B^T d B) ] A    per 6x6 input tile d, 3x3 filter g, 4x4 output Y
//   gradient  dg = G^T [ sum over tiles (A dY A^T) . (B^T d B) ] G
// The 36 element-wise products summed over channels are GEMMs (WinogradConv.swift); these loops move
// tiles in and out of the transformed domain. Contraction is off, so every ISA computes the same bits.
#include "ckernels.h"

#include "multiversion.h"

#include <stdlib.h>

#pragma STDC FP_CONTRACT OFF

// B^T d for one 6-vector (a column or a row of a tile).
#define WINO_BT(d0, d1, d2, d3, d4, d5, r)        \
    do {                                          \
        r[0] = 4.0f * d0 - 5.0f * d2 + d4;        \
        r[1] = -4.0f * d1 - 4.0f * d2 + d3 + d4;  \
        r[2] = 4.0f * d1 - 4.0f * d2 - d3 + d4;   \
        r[3] = -2.0f * d1 - d2 + 2.0f * d3 + d4;  \
        r[4] = 2.0f * d1 - d2 - 2.0f * d3 + d4;   \
        r[5] = 4.0f * d1 - 5.0f * d3 + d5;        \
    } while (0)

// A^T m for one 6-vector -> 4.
#define WINO_AT(m0, m1, m2, m3, m4, m5, r)        \
    do {                                          \
        r[0] = m0 + m1 + m2 + m3 + m4;            \
        r[1] = m1 - m2 + 2.0f * m3 - 2.0f * m4;   \
        r[2] = m1 + m2 + 4.0f * m3 + 4.0f * m4;   \
        r[3] = m1 - m2 + 8.0f * m3 - 8.0f * m4 + m5; \
    } while (0)

// G g for one 3-vector -> 6.
#define WINO_G(g0, g1, g2, r)                                      \
    do {                                                           \
        r[0] = g0 * 0.25f;                                         \
        r[1] = (g0 + g1 + g2) * (-1.0f / 6.0f);                    \
        r[2] = (g0 - g1 + g2) * (-1.0f / 6.0f);                    \
        r[3] = g0 * (1.0f / 24.0f) + g1 * (1.0f / 12.0f) + g2 * (1.0f / 6.0f); \
        r[4] = g0 * (1.0f / 24.0f) - g1 * (1.0f / 12.0f) + g2 * (1.0f / 6.0f); \
        r[5] = g2;                                                 \
    } while (0)

// A y for one 4-vector -> 6 (the transpose of A^T).
#define WINO_A(y0, y1, y2, y3, r)                                  \
    do {                                                           \
        r[0] = y0;                                                 \
        r[1] = y0 + y1 + y2 + y3;                                  \
        r[2] = y0 - y1 + y2 - y3;                                  \
        r[3] = y0 + 2.0f * y1 + 4.0f * y2 + 8.0f * y3;             \
        r[4] = y0 - 2.0f * y1 + 4.0f * y2 - 8.0f * y3;             \
        r[5] = y3;                                                 \
    } while (0)

// G^T u for one 6-vector -> 3.
#define WINO_GT(u0, u1, u2, u3, u4, u5, r)                                                  \
    do {                                                                                    \
        r[0] = u0 * 0.25f - (u1 + u2) * (1.0f / 6.0f) + (u3 + u4) * (1.0f / 24.0f);         \
        r[1] = (u2 - u1) * (1.0f / 6.0f) + (u3 - u4) * (1.0f / 12.0f);                      \
        r[2] = (u3 + u4 - u1 - u2) * (1.0f / 6.0f) + u5;                                    \
    } while (0)

MULTIVERSION
void pretext_wino_weights(const float *restrict w, float *restrict u, long k_count, long c_count, long begin,
                          long end, int flip) {
    const long kc = k_count * c_count;
    for (long f = begin; f < end; f++) {
        const float *src = w + f * 9;
        float g[9];
        for (int e = 0; e < 9; e++) g[e] = src[flip ? 8 - e : e];
        // Filter (k, c) lands at row k, column c; flipped, at row c, column k (the transposed convolution).
        const long k = f / c_count, c = f - k * c_count;
        const long at = flip ? c * k_count + k : f;
        float t[6][3], r[6];
        for (int col = 0; col < 3; col++) {
            WINO_G(g[col], g[3 + col], g[6 + col], r);
            for (int i = 0; i < 6; i++) t[i][col] = r[i];
        }
        for (int i = 0; i < 6; i++) {
            WINO_G(t[i][0], t[i][1], t[i][2], r);
            for (int j = 0; j < 6; j++) u[(i * 6 + j) * kc + at] = r[j];
        }
    }
}

MULTIVERSION
void pretext_wino_weight_grad(const float *restrict du, float *restrict gw, long k_count, long c_count,
                              long begin, long end) {
    const long kc = k_count * c_count;
    for (long kc_i = begin; kc_i < end; kc_i++) {
        float t[3][6], r[3];
        for (int col = 0; col < 6; col++) {
            const float *p = du + col * kc + kc_i;
            WINO_GT(p[0], p[6 * kc], p[12 * kc], p[18 * kc], p[24 * kc], p[30 * kc], r);
            for (int i = 0; i < 3; i++) t[i][col] = r[i];
        }
        for (int i = 0; i < 3; i++) {
            WINO_GT(t[i][0], t[i][1], t[i][2], t[i][3], t[i][4], t[i][5], r);
            for (int j = 0; j < 3; j++) gw[kc_i * 9 + i * 3 + j] = r[j];
        }
    }
}

// The tile loops below work on LANES consecutive tiles at once, one tile per vector lane: the gathers
// of patches are scalar, the transforms and the 36 stores (or loads) of the transformed domain are
// whole vectors. Done one tile at a time, the 36 scattered scalar stores per tile and channel made
// the input transform ~4x slower than the GEMMs it feeds.
#define LANES 8

// Where tile `tile` starts: its image, and its top-left output row and column.
static inline void tile_origin(long tile, long tiles_h, long tiles_w, long *n, long *r0, long *c0) {
    const long per_image = tiles_h * tiles_w;
    *n = tile / per_image;
    const long rem = tile - *n * per_image, ti = rem / tiles_w;
    *r0 = ti * 4;
    *c0 = (rem - ti * tiles_w) * 4;
}

// Loads the 6x6 patch of `plane` (h x w) whose top-left is (r0, c0), zero outside, into lane q of d.
static inline void load_patch(const float *restrict plane, long h, long w, long r0, long c0,
                              float d[6][6][LANES], int q) {
    if (r0 >= 0 && c0 >= 0 && r0 + 6 <= h && c0 + 6 <= w) {
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++) d[i][j][q] = plane[(r0 + i) * w + c0 + j];
        return;
    }
    for (int i = 0; i < 6; i++) {
        const long r = r0 + i;
        for (int j = 0; j < 6; j++) {
            const long c = c0 + j;
            d[i][j][q] = (r >= 0 && r < h && c >= 0 && c < w) ? plane[r * w + c] : 0.0f;
        }
    }
}

// The origins of tiles t0 ..< t0 + count, walking the tile grid without a division per tile.
static inline void tile_origins(long t0, long count, long tiles_h, long tiles_w, long *restrict n,
                                long *restrict r0, long *restrict c0) {
    long img, r, c;
    tile_origin(t0, tiles_h, tiles_w, &img, &r, &c);
    for (long t = 0; t < count; t++) {
        n[t] = img; r0[t] = r; c0[t] = c;
        c += 4;
        if (c >= tiles_w * 4) {
            c = 0; r += 4;
            if (r >= tiles_h * 4) { r = 0; img++; }
        }
    }
}

// The origins of a block's tiles: on the stack for up to 512 tiles — every block WinogradConv makes by
// default (at most 455 tiles from 64 channels), so a training step never allocates here — else on the
// heap (tile_table_free; blocks of thin convolutions forced through Winograd in tests).
typedef struct {
    long stack[3 * 512];
    long *all, *img, *r0, *c0;
} tile_table;

static inline void tile_table_init(tile_table *t, long t0, long count, long tiles_h, long tiles_w) {
    t->all = count <= 512 ? t->stack : malloc(sizeof(long) * 3 * (size_t)count);
    t->img = t->all;
    t->r0 = t->all + count;
    t->c0 = t->all + 2 * count;
    tile_origins(t0, count, tiles_h, tiles_w, t->img, t->r0, t->c0);
}

static inline void tile_table_free(tile_table *t) {
    if (t->all != t->stack) free(t->all);
}

MULTIVERSION
void pretext_wino_input(const float *restrict x, float *restrict v, long c_count, long h, long w, long pad_h,
                        long pad_w, long tiles_h, long tiles_w, long t0, long count, long ldt) {
    const long plane = h * w, step = c_count * ldt;
    tile_table tiles;
    tile_table_init(&tiles, t0, count, tiles_h, tiles_w);
    const long *img = tiles.img, *r0 = tiles.r0, *c0 = tiles.c0;
    for (long t = 0; t < count; t++) { tiles.r0[t] -= pad_h; tiles.c0[t] -= pad_w; }
    // Channel outer, tiles inner: each of the 36 outputs is then one sequential stream.
    for (long c = 0; c < c_count; c++) {
        for (long g = 0; g < count; g += LANES) {
            const int lanes = count - g < LANES ? (int)(count - g) : LANES;
            float d[6][6][LANES], s[6][6][LANES];
            for (int q = 0; q < LANES; q++) {
                if (q < lanes) {
                    load_patch(x + (img[g + q] * c_count + c) * plane, h, w, r0[g + q], c0[g + q], d, q);
                } else {
                    for (int i = 0; i < 36; i++) d[i / 6][i % 6][q] = 0.0f;
                }
            }
            for (int j = 0; j < 6; j++)
                for (int q = 0; q < LANES; q++) {
                    float r[6];
                    WINO_BT(d[0][j][q], d[1][j][q], d[2][j][q], d[3][j][q], d[4][j][q], d[5][j][q], r);
                    for (int i = 0; i < 6; i++) s[i][j][q] = r[i];
                }
            float *dst = v + c * ldt + g;
            for (int i = 0; i < 6; i++) {
                float o[6][LANES];
                for (int q = 0; q < LANES; q++) {
                    float r[6];
                    WINO_BT(s[i][0][q], s[i][1][q], s[i][2][q], s[i][3][q], s[i][4][q], s[i][5][q], r);
                    for (int j = 0; j < 6; j++) o[j][q] = r[j];
                }
                for (int j = 0; j < 6; j++) {
                    float *p = dst + (i * 6 + j) * step;
                    if (lanes == LANES) for (int q = 0; q < LANES; q++) p[q] = o[j][q];
                    else for (int q = 0; q < lanes; q++) p[q] = o[j][q];
                }
            }
        }
    }
    tile_table_free(&tiles);
}

MULTIVERSION
void pretext_wino_output(const float *restrict m, float *restrict y, const float *restrict bias, long k_count,
                         long oh, long ow, long tiles_h, long tiles_w, long t0, long count, long ldt) {
    const long plane = oh * ow, step = k_count * ldt;
    tile_table tiles;
    tile_table_init(&tiles, t0, count, tiles_h, tiles_w);
    // Channel outer, tiles inner: the 36 transformed values of a channel are sequential streams.
    for (long k = 0; k < k_count; k++) {
        for (long g = 0; g < count; g += LANES) {
            const int lanes = count - g < LANES ? (int)(count - g) : LANES;
            const long *img = tiles.img + g, *r0 = tiles.r0 + g, *c0 = tiles.c0 + g;
            const float b = bias ? bias[k] : 0.0f;
            const float *src = m + k * ldt + g;
            float in[36][LANES], s[4][6][LANES], out[4][4][LANES];
            for (int e = 0; e < 36; e++) {
                if (lanes == LANES) for (int q = 0; q < LANES; q++) in[e][q] = src[e * step + q];
                else for (int q = 0; q < LANES; q++) in[e][q] = q < lanes ? src[e * step + q] : 0.0f;
            }
            for (int j = 0; j < 6; j++)
                for (int q = 0; q < LANES; q++) {
                    float r[4];
                    WINO_AT(in[j][q], in[6 + j][q], in[12 + j][q], in[18 + j][q], in[24 + j][q], in[30 + j][q], r);
                    for (int i = 0; i < 4; i++) s[i][j][q] = r[i];
                }
            for (int i = 0; i < 4; i++)
                for (int q = 0; q < LANES; q++) {
                    float r[4];
                    WINO_AT(s[i][0][q], s[i][1][q], s[i][2][q], s[i][3][q], s[i][4][q], s[i][5][q], r);
                    for (int j = 0; j < 4; j++) out[i][j][q] = r[j] + b;
                }
            for (int q = 0; q < lanes; q++) {
                float *o = y + (img[q] * k_count + k) * plane;
                const long rows = oh - r0[q] < 4 ? oh - r0[q] : 4, cols = ow - c0[q] < 4 ? ow - c0[q] : 4;
                for (int i = 0; i < rows; i++)
                    for (int j = 0; j < cols; j++) o[(r0[q] + i) * ow + c0[q] + j] = out[i][j][q];
            }
        }
    }
    tile_table_free(&tiles);
}

MULTIVERSION
void pretext_wino_gradout(const float *restrict gy, float *restrict dm, long k_count, long oh, long ow,
                          long tiles_h, long tiles_w, long t0, long count, long ldt) {
    const long plane = oh * ow, step = k_count * ldt;
    tile_table tiles;
    tile_table_init(&tiles, t0, count, tiles_h, tiles_w);
    // Channel outer, tiles inner: the 36 transformed values of a channel are sequential streams.
    for (long k = 0; k < k_count; k++) {
        for (long g = 0; g < count; g += LANES) {
            const int lanes = count - g < LANES ? (int)(count - g) : LANES;
            const long *img = tiles.img + g, *r0 = tiles.r0 + g, *c0 = tiles.c0 + g;
            float in[4][4][LANES], s[6][4][LANES];
            for (int q = 0; q < LANES; q++) {
                if (q >= lanes) {
                    for (int e = 0; e < 16; e++) in[e / 4][e % 4][q] = 0.0f;
                    continue;
                }
                const float *src = gy + (img[q] * k_count + k) * plane;
                for (int i = 0; i < 4; i++)
                    for (int j = 0; j < 4; j++)
                        in[i][j][q] = (r0[q] + i < oh && c0[q] + j < ow) ? src[(r0[q] + i) * ow + c0[q] + j] : 0.0f;
            }
            for (int j = 0; j < 4; j++)
                for (int q = 0; q < LANES; q++) {
                    float r[6];
                    WINO_A(in[0][j][q], in[1][j][q], in[2][j][q], in[3][j][q], r);
                    for (int i = 0; i < 6; i++) s[i][j][q] = r[i];
                }
            float *dst = dm + k * ldt + g;
            for (int i = 0; i < 6; i++) {
                float o[6][LANES];
                for (int q = 0; q < LANES; q++) {
                    float r[6];
                    WINO_A(s[i][0][q], s[i][1][q], s[i][2][q], s[i][3][q], r);
                    for (int j = 0; j < 6; j++) o[j][q] = r[j];
                }
                for (int j = 0; j < 6; j++) {
                    float *p = dst + (i * 6 + j) * step;
                    for (int q = 0; q < lanes; q++) p[q] = o[j][q];
                }
            }
        }
    }
    tile_table_free(&tiles);
}
