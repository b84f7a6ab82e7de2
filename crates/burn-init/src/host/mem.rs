//! Host buffers for fills. A fresh 64 MiB `Vec` costs more in page faults (16,384 of them at
//! 4 KiB) than the random numbers written into it; on Linux, buffers of 8 MiB and more are
//! advised to use transparent huge pages (512× fewer faults) before they are first touched.
//!
//! Allocation is fallible: a request larger than the machine's memory (RAM and swap, on Linux)
//! or one the allocator refuses is an [`InitError::Allocation`] naming the size, not an abort.

use crate::error::{InitError, Result};

/// A zeroed buffer of `n` floats (zero pages from `calloc`: nothing is written yet).
///
/// # Errors
/// [`InitError::Allocation`] if the buffer cannot be allocated.
pub(crate) fn zeroed_f32(n: usize) -> Result<Vec<f32>> {
    let bytes = n as u128 * std::mem::size_of::<f32>() as u128;
    let refused = InitError::Allocation { elements: n, bytes };
    if exceeds_memory(bytes) {
        return Err(refused);
    }
    let v = alloc_zeroed_f32(n).ok_or(refused)?;
    #[cfg(target_os = "linux")]
    advise_huge_pages(&v);
    Ok(v)
}

/// `calloc`-like: zero pages, nothing written; `None` when the allocator refuses.
fn alloc_zeroed_f32(n: usize) -> Option<Vec<f32>> {
    if n == 0 {
        return Some(Vec::new());
    }
    let layout = std::alloc::Layout::array::<f32>(n).ok()?;
    // SAFETY: `layout` has a non-zero size (n > 0). `alloc_zeroed` returns null or a block of
    // `layout.size()` zeroed bytes aligned for `f32` from the global allocator; the `Vec` built
    // from it has capacity `n`, the layout it was allocated with, and length `n`, every element
    // initialized (all-zero bits are the `f32` 0.0).
    #[allow(unsafe_code)]
    unsafe {
        let ptr = std::alloc::alloc_zeroed(layout).cast::<f32>();
        (!ptr.is_null()).then(|| Vec::from_raw_parts(ptr, n, n))
    }
}

/// Whether `bytes` exceeds the machine's RAM and swap (Linux; elsewhere the allocator decides).
fn exceeds_memory(bytes: u128) -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `sysinfo` only writes the struct it is given, a zeroed `libc::sysinfo`.
        #[allow(unsafe_code)]
        let info = unsafe {
            let mut info: libc::sysinfo = std::mem::zeroed();
            (libc::sysinfo(&mut info) == 0).then_some(info)
        };
        if let Some(info) = info {
            let unit = u128::from(info.mem_unit.max(1));
            let total = (info.totalram as u128 + info.totalswap as u128) * unit;
            return bytes > total;
        }
    }
    let _ = bytes;
    false
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
            let v = super::zeroed_f32(n).unwrap();
            assert_eq!(v.len(), n);
            assert!(v.iter().all(|&x| x == 0.0));
        }
    }

    #[test]
    fn a_buffer_beyond_memory_is_an_error() {
        // 4 TiB.
        let err = super::zeroed_f32(1 << 40).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot allocate a host buffer of 1099511627776 f32 values (4398046511104 bytes)"
        );
    }
}
