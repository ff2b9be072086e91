//! A least-recently-used cache of kernel rows under a byte budget.
//!
//! Rows are indexed by training row and hold `f32` values, as LIBSVM's cache does:
//! half the memory of `f64` for twice the rows, while every sum over them is done in
//! `f64`. A row may be *partial*: computed only at the columns the solver still needs
//! (its active set). The solver's active set only shrinks within an *epoch*, so a
//! partial row stays valid for the rest of its epoch; rows computed at every column
//! stay valid forever. Memory never exceeds the budget (but at least two rows, which
//! the solver needs at once) plus the row index.

use crate::kernel::{ColumnSet, KernelMatrix};

/// No row: the end marker of the recency list.
const NONE: usize = usize::MAX;

struct Entry {
    values: Vec<f32>,
    /// Computed at every column.
    complete: bool,
    /// The epoch whose active columns a partial row covers.
    epoch: u64,
}

pub(crate) struct KernelCache {
    entries: Vec<Option<Entry>>,
    /// Recency list, most recent first: `newer[i]` / `older[i]` link cached rows.
    newer: Vec<usize>,
    older: Vec<usize>,
    most_recent: usize,
    least_recent: usize,
    cached_rows: usize,
    capacity_rows: usize,
    row_length: usize,
}

impl KernelCache {
    pub(crate) fn new(row_length: usize, budget_bytes: usize) -> KernelCache {
        let row_bytes = (row_length * std::mem::size_of::<f32>()).max(1);
        let capacity_rows = (budget_bytes / row_bytes).clamp(2, row_length.max(2));
        KernelCache {
            entries: (0..row_length).map(|_| None).collect(),
            newer: vec![NONE; row_length],
            older: vec![NONE; row_length],
            most_recent: NONE,
            least_recent: NONE,
            cached_rows: 0,
            capacity_rows,
            row_length,
        }
    }

    /// Makes row `i` valid at `columns` (every column when `columns` is `None`) for
    /// `epoch`, computing it if needed, and marks it most recently used.
    pub(crate) fn ensure(
        &mut self,
        kernel: &KernelMatrix,
        i: usize,
        columns: Option<&ColumnSet>,
        epoch: u64,
    ) {
        let usable = match &self.entries[i] {
            Some(entry) => entry.complete || (columns.is_some() && entry.epoch == epoch),
            None => false,
        };
        if usable {
            self.touch(i);
            return;
        }
        let mut values = match self.entries[i].take() {
            Some(entry) => {
                self.unlink(i);
                entry.values
            }
            None => self.take_buffer(),
        };
        let partial = columns.filter(|columns| {
            columns.len() < self.row_length && !kernel.prefers_full_row(columns.len())
        });
        match partial {
            Some(columns) => kernel.fill_row(i, columns, &mut values),
            None => kernel.fill_full_row(i, &mut values),
        }
        let complete = partial.is_none();
        self.entries[i] = Some(Entry {
            values,
            complete,
            epoch,
        });
        self.link_front(i);
    }

    /// Row `i`, which `ensure` made valid.
    pub(crate) fn row(&self, i: usize) -> &[f32] {
        &self.entries[i]
            .as_ref()
            .expect("row ensured before use")
            .values
    }

    /// Whether row `i` is cached and computed at every column.
    pub(crate) fn is_complete(&self, i: usize) -> bool {
        self.entries[i].as_ref().is_some_and(|entry| entry.complete)
    }

    /// A buffer for a new row: a fresh one while under budget, else the least
    /// recently used row's.
    fn take_buffer(&mut self) -> Vec<f32> {
        if self.cached_rows < self.capacity_rows {
            self.cached_rows += 1;
            return vec![0.0; self.row_length];
        }
        let victim = self.least_recent;
        self.unlink(victim);
        self.entries[victim]
            .take()
            .expect("linked rows are cached")
            .values
    }

    fn touch(&mut self, i: usize) {
        if self.most_recent != i {
            self.unlink(i);
            self.link_front(i);
        }
    }

    fn unlink(&mut self, i: usize) {
        let (newer, older) = (self.newer[i], self.older[i]);
        if newer == NONE {
            self.most_recent = older;
        } else {
            self.older[newer] = older;
        }
        if older == NONE {
            self.least_recent = newer;
        } else {
            self.newer[older] = newer;
        }
        self.newer[i] = NONE;
        self.older[i] = NONE;
    }

    fn link_front(&mut self, i: usize) {
        self.newer[i] = NONE;
        self.older[i] = self.most_recent;
        if self.most_recent != NONE {
            self.newer[self.most_recent] = i;
        }
        self.most_recent = i;
        if self.least_recent == NONE {
            self.least_recent = i;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Kernel, Matrix};

    #[test]
    fn evicts_least_recently_used_rows_within_budget() {
        let data = Matrix::new(10, 1, (0..10).map(f64::from).collect()).unwrap();
        let kernel = KernelMatrix::new(Kernel::Linear, &data);
        // Budget for three rows of ten f32 values.
        let mut cache = KernelCache::new(10, 3 * 10 * 4);
        for i in 0..3 {
            cache.ensure(&kernel, i, None, 0);
        }
        cache.ensure(&kernel, 0, None, 0); // 0 becomes most recent; 1 is now oldest
        cache.ensure(&kernel, 5, None, 0);
        assert!(cache.entries[1].is_none());
        assert!(cache.entries[0].is_some() && cache.entries[2].is_some());
        assert_eq!(cache.row(5)[3], 15.0);
        assert_eq!(cache.cached_rows, 3);
    }

    #[test]
    fn partial_rows_are_recomputed_in_a_new_epoch() {
        let data = Matrix::new(16, 1, (1..=16).map(f64::from).collect()).unwrap();
        let kernel = KernelMatrix::new(Kernel::Linear, &data);
        let mut cache = KernelCache::new(16, 1 << 20);
        // Two of sixteen columns: computed there only.
        cache.ensure(&kernel, 1, Some(&kernel.column_set(vec![1, 3])), 0);
        assert_eq!(cache.row(1)[3], 8.0);
        assert_eq!(cache.row(1)[0], 0.0);
        let all: Vec<usize> = (0..16).collect();
        cache.ensure(&kernel, 1, Some(&kernel.column_set(all)), 1);
        assert_eq!(cache.row(1)[0], 2.0);
    }

    #[test]
    fn rows_needed_at_most_columns_are_computed_whole_and_stay_valid() {
        let data = Matrix::new(16, 1, (1..=16).map(f64::from).collect()).unwrap();
        let kernel = KernelMatrix::new(Kernel::Linear, &data);
        let mut cache = KernelCache::new(16, 1 << 20);
        let most: Vec<usize> = (0..16).filter(|j| j % 3 != 0).collect();
        cache.ensure(&kernel, 2, Some(&kernel.column_set(most)), 0);
        assert_eq!(cache.row(2)[0], 3.0);
        assert!(cache.entries[2].as_ref().unwrap().complete);
    }
}
