//! Aligned text tables for the listing commands (`svmq tasks`, `svmq models`,
//! `svmq queue`): a header row, then one row per item, each column as wide as its
//! widest cell, the last column unpadded. Cells are cut to a width so that one long
//! value (an error message, a file name) cannot push the rest off the screen.

/// A table being built.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// The most characters a cell shows; longer ones end in `…`.
pub const CELL_WIDTH: usize = 60;

impl Table {
    /// A table with these column names.
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|name| name.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are empty, extra ones dropped.
    pub fn row(&mut self, cells: Vec<String>) {
        let mut cells: Vec<String> = cells.into_iter().map(|cell| cut(&cell)).collect();
        cells.resize(self.header.len(), String::new());
        self.rows.push(cells);
    }

    /// The table's lines: the header, then the rows.
    pub fn lines(&self) -> Vec<String> {
        let widths: Vec<usize> = (0..self.header.len())
            .map(|column| {
                std::iter::once(&self.header)
                    .chain(&self.rows)
                    .map(|row| row[column].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        std::iter::once(&self.header)
            .chain(&self.rows)
            .map(|row| {
                let mut line = String::new();
                for (column, cell) in row.iter().enumerate() {
                    if column + 1 == row.len() {
                        line.push_str(cell);
                    } else {
                        let padding = widths[column] - cell.chars().count();
                        line.push_str(cell);
                        line.push_str(&" ".repeat(padding + 2));
                    }
                }
                line.trim_end().to_string()
            })
            .collect()
    }
}

/// One line of at most [`CELL_WIDTH`] characters: line breaks become spaces.
fn cut(cell: &str) -> String {
    let flat: String = cell
        .chars()
        .map(|character| {
            if character.is_control() {
                ' '
            } else {
                character
            }
        })
        .collect();
    if flat.chars().count() <= CELL_WIDTH {
        flat
    } else {
        let mut kept: String = flat.chars().take(CELL_WIDTH - 1).collect();
        kept.push('…');
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_long_cells_are_cut() {
        let mut table = Table::new(&["ID", "STATUS", "NOTE"]);
        table.row(vec!["a".into(), "completed".into(), "x".repeat(100)]);
        table.row(vec!["bbbb".into(), "failed".into()]);
        let lines = table.lines();
        assert_eq!(lines[0], "ID    STATUS     NOTE");
        assert!(lines[1].starts_with("a     completed  xxx"));
        assert!(lines[1].ends_with('…'));
        assert_eq!(lines[1].chars().count(), 6 + 11 + CELL_WIDTH);
        assert_eq!(lines[2], "bbbb  failed");
    }

    #[test]
    fn control_characters_cannot_break_a_row() {
        let mut table = Table::new(&["A"]);
        table.row(vec!["one\ntwo\r\u{1b}[31m".into()]);
        assert_eq!(table.lines()[1], "one two  [31m");
    }
}
