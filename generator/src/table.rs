//! Plain-text tables for the terminal: left-aligned columns two spaces apart.

/// The header and rows, each line padded to the widest cell of its column.
pub fn aligned<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    let widths: Vec<usize> = (0..N)
        .map(|col| {
            rows.iter()
                .map(|row| row[col].chars().count())
                .chain([header[col].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        padded.join("  ").trim_end().to_owned() + "\n"
    };
    let mut text = line(header.to_vec());
    for row in rows {
        text += &line(row.iter().map(String::as_str).collect());
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn columns_line_up_and_lines_have_no_trailing_spaces() {
        let rows = [
            ["a".to_owned(), "long cell".to_owned()],
            ["bbb".to_owned(), String::new()],
        ];
        assert_eq!(
            super::aligned(["X", "Y"], &rows),
            "X    Y\na    long cell\nbbb\n"
        );
    }
}
