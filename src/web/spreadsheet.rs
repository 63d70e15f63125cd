//! CSV in and out, through the `csv` crate: the files people open in a spreadsheet (the
//! Transaction Manager's export, a bulk fix's template and outcome) and the bulk fix file
//! they upload.

use std::borrow::Cow;

use crate::domain::bulk::{FileRow, MAX_ROWS};

/// The characters a spreadsheet reads as the start of a formula.
const FORMULA_START: [char; 4] = ['=', '+', '-', '@'];

/// A field as written: a leading = + - @ gets a `'` before it, so that a spreadsheet
/// never runs it as a formula.
pub fn defuse(value: &str) -> Cow<'_, str> {
    if value.starts_with(FORMULA_START) { Cow::Owned(format!("'{value}")) } else { Cow::Borrowed(value) }
}

/// A field as read back: the `'` that [`defuse`] wrote comes off again, so that a
/// template filled in and uploaded means what it says.
pub fn undefuse(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_START) => rest,
        _ => value,
    }
}

/// Rows written into memory, a chunk at a time (the caller streams each chunk): every
/// field quoted and defused, lines ended by CRLF.
pub struct Sheet {
    writer: csv::Writer<Vec<u8>>,
}

impl Default for Sheet {
    fn default() -> Self {
        Self::new()
    }
}

impl Sheet {
    pub fn new() -> Self {
        let writer = csv::WriterBuilder::new()
            .quote_style(csv::QuoteStyle::Always)
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        Self { writer }
    }

    pub fn row<'a>(&mut self, fields: impl IntoIterator<Item = &'a str>) {
        // Writing into memory cannot fail.
        let _ = self.writer.write_record(fields.into_iter().map(|f| defuse(f).into_owned()));
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.writer.into_inner().unwrap_or_default()
    }
}

/// Why a bulk fix file cannot be read: the row (the header is row 1), the column when
/// there is one, and the catalog key of the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    pub row: u64,
    pub column: Option<&'static str>,
    pub key: &'static str,
}

pub const SUBSCRIPTION_COLUMN: &str = "subscription_id";
pub const EMAIL_COLUMN: &str = "new_contact_email";

/// Comma or semicolon: whichever the header line has more of.
fn delimiter(data: &[u8]) -> u8 {
    let header = data.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |c: u8| header.iter().filter(|b| **b == c).count();
    if count(b';') > count(b',') { b';' } else { b',' }
}

/// One field of a data row as text: present, UTF-8, without NUL.
fn field(record: &csv::ByteRecord, index: usize, row: u64, column: &'static str) -> Result<String, ReadError> {
    let error = |key| ReadError { row, column: Some(column), key };
    let bytes = record.get(index).ok_or_else(|| error("bulk-error-missing"))?;
    let text = std::str::from_utf8(bytes).map_err(|_| error("bulk-error-utf8"))?;
    if text.contains('\0') {
        return Err(error("bulk-error-character"));
    }
    Ok(undefuse(text.trim()).to_string())
}

/// The file line (from 1) a record starts on. The csv crate's own line count skips
/// blank lines and counts CRLF oddly, and its record offset may point at the end of the
/// line before: line breaks at the offset belong to the lines before the record.
struct LineCounter<'a> {
    data: &'a [u8],
    scanned: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self { data, scanned: 0, line: 1 }
    }

    /// Offsets only grow, so each byte is counted once.
    fn line_at(&mut self, offset: usize) -> u64 {
        let mut start = offset.min(self.data.len());
        while start < self.data.len() && matches!(self.data[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.scanned {
            self.line += self.data[self.scanned..start].iter().filter(|b| **b == b'\n').count() as u64;
            self.scanned = start;
        }
        self.line
    }
}

/// Reads a bulk fix file (docs/http.md, "The bulk fix file"): UTF-8 with or without a BOM,
/// comma or semicolon separated, a header naming `subscription_id` and
/// `new_contact_email` (other columns are ignored), at most [`MAX_ROWS`] data rows.
/// Rows are numbered by the file line they start on.
pub fn read_bulk_file(data: &[u8]) -> Result<Vec<FileRow>, ReadError> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter(data)).has_headers(false).flexible(true).from_reader(data);
    let mut columns: Option<(usize, usize)> = None;
    let mut rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut lines = LineCounter::new(data);
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let row = lines.line_at(e.position().map_or(0, |p| p.byte() as usize));
                return Err(ReadError { row, column: None, key: "bulk-error-unreadable" });
            }
        }
        let row = lines.line_at(record.position().map_or(0, |p| p.byte() as usize));
        let Some((sub, email)) = columns else {
            let names: Vec<String> =
                record.iter().map(|f| String::from_utf8_lossy(f).trim().to_ascii_lowercase()).collect();
            let find = |name: &'static str| {
                names.iter().position(|n| n == name).ok_or(ReadError {
                    row,
                    column: Some(name),
                    key: "bulk-error-no-column",
                })
            };
            columns = Some((find(SUBSCRIPTION_COLUMN)?, find(EMAIL_COLUMN)?));
            continue;
        };
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue; // a blank row, such as a spreadsheet leaves at the end
        }
        if rows.len() == MAX_ROWS {
            return Err(ReadError { row, column: None, key: "bulk-error-too-many" });
        }
        let subscription_id = field(&record, sub, row, SUBSCRIPTION_COLUMN)?;
        if subscription_id.is_empty() {
            return Err(ReadError { row, column: Some(SUBSCRIPTION_COLUMN), key: "bulk-error-missing" });
        }
        let typed_email = field(&record, email, row, EMAIL_COLUMN)?;
        rows.push(FileRow { row: row as i64, subscription_id, typed_email });
    }
    if columns.is_none() {
        return Err(ReadError { row: 1, column: Some(SUBSCRIPTION_COLUMN), key: "bulk-error-no-column" });
    }
    if rows.is_empty() {
        return Err(ReadError { row: 2, column: None, key: "bulk-error-empty" });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_commas_semicolons_a_bom_and_other_columns() {
        let file =
            "\u{feff}note;Subscription_ID;new_contact_email\r\nx;Sub-1;a@x.example\r\n\r\ny;Sub-2;'=b@x.example\r\n";
        let rows = read_bulk_file(file.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].row, rows[0].subscription_id.as_str(), rows[0].typed_email.as_str()),
            (2, "Sub-1", "a@x.example")
        );
        assert_eq!((rows[1].row, rows[1].typed_email.as_str()), (4, "=b@x.example"), "rows are file lines");
        let comma = read_bulk_file(b"subscription_id,new_contact_email\n\"Sub-1\",\"a@x.example\"\n").unwrap();
        assert_eq!(comma[0].subscription_id, "Sub-1");
    }

    #[test]
    fn names_the_row_and_column_of_what_cannot_be_read() {
        let err = |data: &[u8]| read_bulk_file(data).unwrap_err();
        assert_eq!(
            err(b"subscription,email\nSub-1,a@x.example\n"),
            ReadError { row: 1, column: Some("subscription_id"), key: "bulk-error-no-column" }
        );
        assert_eq!(
            err(b"subscription_id,new_contact_email\nSub-1,a@x.example\nSub-2,\xff@x.example\n"),
            ReadError { row: 3, column: Some("new_contact_email"), key: "bulk-error-utf8" }
        );
        assert_eq!(
            err(b"subscription_id,new_contact_email\nSub-1\n"),
            ReadError { row: 2, column: Some("new_contact_email"), key: "bulk-error-missing" }
        );
        assert_eq!(err(b"subscription_id,new_contact_email\n").key, "bulk-error-empty");
        let mut many = String::from("subscription_id,new_contact_email\n");
        for i in 0..=MAX_ROWS {
            many += &format!("Sub-{i},a@x.example\n");
        }
        assert_eq!(
            err(many.as_bytes()),
            ReadError { row: MAX_ROWS as u64 + 2, column: None, key: "bulk-error-too-many" }
        );
    }

    #[test]
    fn written_fields_are_quoted_and_defused_and_read_back() {
        let mut sheet = Sheet::new();
        sheet.row(["=1+1", "say \"hi\"", "-x@y.example"]);
        let text = String::from_utf8(sheet.into_bytes()).unwrap();
        assert_eq!(text, "\"'=1+1\",\"say \"\"hi\"\"\",\"'-x@y.example\"\r\n");
        assert_eq!(undefuse("'-x@y.example"), "-x@y.example");
        assert_eq!(undefuse("'quoted"), "'quoted");
    }
}
