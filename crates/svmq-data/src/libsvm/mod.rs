//! The LIBSVM sparse text format: reading it into dense rows, and writing it back.
//!
//! Each line holds one example: a label, then `index:value` pairs separated by ASCII
//! whitespace (spaces or tabs), e.g. `-1 3:0.5 7:2`. Labels are real numbers (class
//! labels are numbers too: `+1`, `-1`, `3`). Indices are 1-based, whole and strictly
//! ascending; features not listed are zero. Lines may end in `\n` or `\r\n`.
//!
//! What the reader does:
//! - densifies: the result is a row-major matrix whose width is the largest index seen
//!   (or [`ReadOptions::minimum_columns`], whichever is larger), so a test file can be
//!   read as wide as its training file;
//! - refuses, with the line number and token, anything malformed: bad labels or pairs,
//!   index 0, negative or fractional indices, duplicate or unsorted indices, NaN and
//!   infinities, blank lines before the end of the file, and an empty file;
//! - refuses data whose dense size passes [`ReadOptions::max_cells`], before allocating;
//! - skips a leading UTF-8 byte-order mark, which Windows editors like to add.
//!
//! What it does not do: comments (`# ...`) are not allowed, nor are the `0:n` serial
//! numbers of LIBSVM's precomputed-kernel files (index 0 is an error), nor sparse
//! output. It never panics, whatever the input.

mod read;
mod write;

pub use read::{parse_libsvm, read_libsvm_file, LibsvmData, ReadOptions};
pub use write::write_libsvm;

#[cfg(test)]
mod tests;
