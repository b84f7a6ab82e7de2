//! Host buffers for fills. A fresh 64 MiB `Vec` costs more in page faults (16,384 of them at
//! 4 KiB) than the random numbers written into it; on Linux, buffers of 8 MiB and more are
//! advised to use transparent huge pages (512× fewer faults) before they are first touched.

/// A zeroed buffer of `n` floats (zero pages from `calloc`: nothing is written yet).
pub(crate) fn zeroed_f32(n: usize) -> Vec<f32> {
    let v = vec![0f32; n];
    #[cfg(target_os = "linux")]
    advise_huge_pages(&v);
    v
}

#[cfg(target_os = "linux")]
fn advise_huge_pages(v: &[f32]) {
    const HUGE: usize = 2 << 20;
    let bytes = std::mem::size_of_val(v);
    if bytes < 4 * HUGE {
        return;
    }
    let start = v.as_ptr() as usize;
    let first = start.next_multiple_of(HUGE);
    let last = (start + bytes) / HUGE * HUGE;
    if last > first {
        // SAFETY: `[first, last)` lies inside `v`'s live allocation (rounded inwards to 2 MiB
        // boundaries). MADV_HUGEPAGE only tells the kernel how to back those pages; it never
        // changes their contents, and a refusal (THP disabled) leaves everything as it was.
        #[allow(unsafe_code)]
        let _ = unsafe {
            libc::madvise(
                first as *mut libc::c_void,
                last - first,
                libc::MADV_HUGEPAGE,
            )
        };
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn buffers_are_zeroed_whatever_their_size() {
        for n in [0, 1, 1000, 5 << 20] {
            let v = super::zeroed_f32(n);
            assert_eq!(v.len(), n);
            assert!(v.iter().all(|&x| x == 0.0));
        }
    }
}
