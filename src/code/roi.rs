//! Candidate regions for a second, magnified look: areas of a binarised plane with many
//! dark/light transitions in both directions (what a QR's module texture produces).

use super::binarize::{DARK, LIGHT};

/// A rectangle in plane pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rect {
    pub x: usize,
    pub y: usize,
    pub w: usize,
    pub h: usize,
}

/// Block side (plane pixels) of the texture map.
const BLOCK: usize = 16;

/// Find up to `max` textured clusters in a classified plane (`classes` from the binariser),
/// largest first, each grown by one block and clipped to the plane. Clusters smaller than
/// `min_blocks` blocks or larger than `max_side` pixels on a side are skipped.
pub(crate) fn textured_regions(
    classes: &[u8],
    w: usize,
    h: usize,
    min_blocks: usize,
    max_side: usize,
    max: usize,
) -> Vec<Rect> {
    let bw = w / BLOCK;
    let bh = h / BLOCK;
    if bw == 0 || bh == 0 {
        return Vec::new();
    }
    let mut marked = vec![false; bw * bh];
    // Per block: dark pixels, light pixels, horizontal and vertical class changes. Row-wise
    // sums over 16-pixel segments (vectorised); this scans every pixel of the plane.
    let mut acc = vec![[0u32; 4]; bw];
    for by in 0..bh {
        acc.iter_mut().for_each(|a| *a = [0; 4]);
        for y in by * BLOCK..(by + 1) * BLOCK {
            let row = &classes[y * w..y * w + bw * BLOCK];
            // The last row of a block has no row below inside the block: compare it with
            // itself (no vertical changes).
            let below = if y + 1 < (by + 1) * BLOCK {
                &classes[(y + 1) * w..(y + 1) * w + bw * BLOCK]
            } else {
                row
            };
            let segments = row.chunks_exact(BLOCK).zip(below.chunks_exact(BLOCK));
            for (a, (seg, under)) in acc.iter_mut().zip(segments) {
                a[0] += seg.iter().map(|&c| (c == DARK) as u32).sum::<u32>();
                a[1] += seg.iter().map(|&c| (c == LIGHT) as u32).sum::<u32>();
                a[2] += seg.windows(2).map(|p| (p[0] != p[1]) as u32).sum::<u32>();
                a[3] += seg
                    .iter()
                    .zip(under)
                    .map(|(p, q)| (p != q) as u32)
                    .sum::<u32>();
            }
        }
        let n = (BLOCK * BLOCK) as u32;
        for (bx, &[dark, light, hx, vy]) in acc.iter().enumerate() {
            // Both colours present, and transitions in both directions: at least ~2 edges
            // per row/column on average (modules up to ~8 px).
            marked[by * bw + bx] =
                dark * 8 > n && light * 8 > n && hx >= 2 * BLOCK as u32 && vy >= 2 * BLOCK as u32;
        }
    }
    let mut seen = vec![false; bw * bh];
    let mut found: Vec<(usize, Rect)> = Vec::new();
    let mut stack = Vec::new();
    for start in 0..bw * bh {
        if !marked[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let (mut x0, mut y0, mut x1, mut y1, mut count) = (bw, bh, 0, 0, 0);
        while let Some(i) = stack.pop() {
            let (bx, by) = (i % bw, i / bw);
            count += 1;
            x0 = x0.min(bx);
            y0 = y0.min(by);
            x1 = x1.max(bx);
            y1 = y1.max(by);
            for dy in -1i64..=1 {
                for dx in -1i64..=1 {
                    let nx = bx as i64 + dx;
                    let ny = by as i64 + dy;
                    if nx < 0 || ny < 0 || nx >= bw as i64 || ny >= bh as i64 {
                        continue;
                    }
                    let j = ny as usize * bw + nx as usize;
                    if marked[j] && !seen[j] {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
        }
        if count < min_blocks {
            continue;
        }
        let x = x0.saturating_sub(1) * BLOCK;
        let y = y0.saturating_sub(1) * BLOCK;
        let xe = ((x1 + 2) * BLOCK).min(w);
        let ye = ((y1 + 2) * BLOCK).min(h);
        let r = Rect {
            x,
            y,
            w: xe - x,
            h: ye - y,
        };
        if r.w <= max_side && r.h <= max_side {
            found.push((count, r));
        }
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found.into_iter().take(max).map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_textured_patch_and_ignores_flat_and_striped_areas() {
        let (w, h) = (256, 160);
        let mut classes = vec![LIGHT; w * h];
        // Checker patch of 3-px cells at (64..160, 32..128).
        for y in 32..128 {
            for x in 64..160 {
                if ((x / 3) + (y / 3)) % 2 == 0 {
                    classes[y * w + x] = DARK;
                }
            }
        }
        // Vertical stripes (texture in one direction only) at the right.
        for y in 0..h {
            for x in 192..256 {
                if (x / 4) % 2 == 0 {
                    classes[y * w + x] = DARK;
                }
            }
        }
        let r = textured_regions(&classes, w, h, 4, 400, 3);
        assert_eq!(r.len(), 1);
        assert!(r[0].x <= 64 && r[0].x + r[0].w >= 160, "{:?}", r[0]);
        assert!(r[0].y <= 32 && r[0].y + r[0].h >= 128, "{:?}", r[0]);
    }
}
