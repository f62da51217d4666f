//! Rendered text that goes straight into its file: the large files of a big estate (the plan,
//! the ARM template, deploy.sh, the runbook) are written piece by piece as they are rendered,
//! never whole in memory. The line filters that tidy a template's output work on the stream.

use std::io::{self, Write};

use super::RenderError;

/// A rendered file's text: in hand, or written into a writer when the file is written.
pub enum Text<'a> {
    Done(String),
    Stream(Writes<'a>),
}

/// What writes a streamed text into a writer (once).
pub type Writes<'a> = Box<dyn FnOnce(&mut dyn Write) -> io::Result<()> + 'a>;

impl<'a> Text<'a> {
    pub fn stream(write: impl FnOnce(&mut dyn Write) -> io::Result<()> + 'a) -> Self {
        Text::Stream(Box::new(write))
    }

    /// The whole text (for tests, and for callers that hold every file anyway).
    pub fn into_string(self, path: &str) -> Result<String, RenderError> {
        match self {
            Text::Done(s) => Ok(s),
            Text::Stream(write) => {
                let mut bytes = Vec::new();
                write(&mut bytes).map_err(|e| RenderError::Stream(path.to_string(), e))?;
                String::from_utf8(bytes).map_err(|e| {
                    RenderError::Stream(path.to_string(), io::Error::other(e.to_string()))
                })
            }
        }
    }
}

impl From<String> for Text<'_> {
    fn from(s: String) -> Self {
        Text::Done(s)
    }
}

/// A list whose items a template's loop takes one at a time, by position: items made only
/// as the loop reaches them, so that a large file's views are never all in memory.
pub trait ByPosition<'s> {
    type Item;
    /// The item at `i`; `None` past the end (or where making it failed).
    fn at(&'s self, i: usize) -> Option<Self::Item>;

    /// The items in order, for a template's loop: `{% for x in list.positions() %}`.
    fn positions(&'s self) -> Positions<'s, Self>
    where
        Self: Sized,
    {
        Positions {
            list: self,
            next: 0,
        }
    }
}

/// The items of a [`ByPosition`] list in order, for a template's `for` loop.
pub struct Positions<'s, L> {
    list: &'s L,
    next: usize,
}

impl<'s, L: ByPosition<'s>> Iterator for Positions<'s, L> {
    type Item = L::Item;

    fn next(&mut self) -> Option<L::Item> {
        let item = self.list.at(self.next)?;
        self.next += 1;
        Some(item)
    }
}

/// A writer that changes the text on its way to the inner writer. `finish` writes what it
/// holds back and returns the inner writer.
pub trait Filter<W: Write>: Write {
    fn finish(self) -> io::Result<W>;
}

/// `text` through `filter`, whole.
pub fn filtered<F: Filter<Vec<u8>>>(text: &str, mut filter: F) -> String {
    // Writing into memory cannot fail, and the filters pass UTF-8 through in whole lines.
    let _ = filter.write_all(text.as_bytes());
    let out = filter.finish().unwrap_or_default();
    String::from_utf8(out).unwrap_or_default()
}

/// Keeps one blank line of each run, and none at the start: optional blocks of a script
/// template leave runs of them. Other lines pass unchanged.
pub struct BlankLines<W: Write> {
    inner: W,
    /// The newlines that ended what was written so far, up to two; `None` before anything.
    trailing: Option<u8>,
}

impl<W: Write> BlankLines<W> {
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            trailing: None,
        }
    }
}

impl<W: Write> Filter<W> for BlankLines<W> {
    fn finish(mut self) -> io::Result<W> {
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for BlankLines<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // `start`: the first byte not written yet; `pos`: where the next line begins.
        let (mut start, mut pos) = (0, 0);
        for i in memchr::memchr_iter(b'\n', buf) {
            if i > pos {
                self.trailing = Some(0);
            }
            pos = i + 1;
            match self.trailing {
                // A blank line at the start, or after a blank line: dropped.
                None | Some(2..) => {
                    self.inner.write_all(&buf[start..i])?;
                    start = i + 1;
                }
                Some(n) => self.trailing = Some(n + 1),
            }
        }
        if pos < buf.len() {
            self.trailing = Some(0);
        }
        self.inner.write_all(&buf[start..])?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Markdown tidied line by line: trailing spaces cut, one blank line of each run kept, none at
/// the start or the end, and a final line break.
pub struct Tidy<W: Write> {
    inner: W,
    /// The line being received.
    line: Vec<u8>,
    /// A blank line is due before the next line (dropped if none comes).
    blank: bool,
    /// A line was written.
    started: bool,
}

impl<W: Write> Tidy<W> {
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            line: Vec::new(),
            blank: false,
            started: false,
        }
    }

    fn end_line(&mut self) -> io::Result<()> {
        // Lines are whole, so they are whole UTF-8 as the template wrote it.
        let text = match std::str::from_utf8(&self.line) {
            Ok(s) => s.trim_end().as_bytes(),
            Err(_) => self.line.trim_ascii_end(),
        };
        if text.is_empty() {
            self.blank = self.started;
        } else {
            if self.blank {
                self.inner.write_all(b"\n")?;
                self.blank = false;
            }
            self.inner.write_all(text)?;
            self.inner.write_all(b"\n")?;
            self.started = true;
        }
        self.line.clear();
        Ok(())
    }
}

impl<W: Write> Filter<W> for Tidy<W> {
    fn finish(mut self) -> io::Result<W> {
        if !self.line.is_empty() {
            self.end_line()?;
        }
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for Tidy<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while let Some(at) = memchr::memchr(b'\n', rest) {
            self.line.extend_from_slice(&rest[..at]);
            self.end_line()?;
            rest = &rest[at + 1..];
        }
        self.line.extend_from_slice(rest);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Squares below a bound, one of them impossible to make.
    struct Squares {
        below: usize,
        fails_at: Option<usize>,
    }

    impl ByPosition<'_> for Squares {
        type Item = usize;

        fn at(&self, i: usize) -> Option<usize> {
            (i < self.below && Some(i) != self.fails_at).then_some(i * i)
        }
    }

    #[test]
    fn positions_are_taken_in_order_and_end_at_the_first_gap() {
        let all = Squares {
            below: 5,
            fails_at: None,
        };
        assert_eq!(all.positions().collect::<Vec<_>>(), [0, 1, 4, 9, 16]);
        // An item that cannot be made ends the list there: nothing after it is taken.
        let broken = Squares {
            below: 5,
            fails_at: Some(2),
        };
        assert_eq!(broken.positions().collect::<Vec<_>>(), [0, 1]);
        let mut it = broken.positions();
        it.by_ref().for_each(drop);
        assert_eq!(it.next(), None);
    }

    fn blank_lines(text: &str) -> String {
        filtered(text, BlankLines::new(Vec::new()))
    }

    fn tidy(text: &str) -> String {
        filtered(text, Tidy::new(Vec::new()))
    }

    /// Every way of cutting `text` into two writes gives what one write gives.
    fn same_in_pieces<F: Filter<Vec<u8>>>(text: &str, filter: impl Fn() -> F) {
        let whole = filtered(text, filter());
        for cut in 0..=text.len() {
            let mut f = filter();
            f.write_all(&text.as_bytes()[..cut]).expect("write");
            f.write_all(&text.as_bytes()[cut..]).expect("write");
            let out = f.finish().expect("finish");
            assert_eq!(
                String::from_utf8(out).expect("utf-8"),
                whole,
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn runs_of_blank_lines_collapse_in_scripts() {
        assert_eq!(
            blank_lines("\n\na\n\n\n\nb\n  \n\nc\n\n"),
            "a\n\nb\n  \n\nc\n\n"
        );
        assert_eq!(blank_lines("a\nb\n"), "a\nb\n");
        assert_eq!(blank_lines("\n\n"), "");
        same_in_pieces(
            "\n\na\n\n\n\nb\n  \n\nc\n\n",
            || BlankLines::new(Vec::new()),
        );
    }

    proptest::proptest! {
        /// Scripts keep no blank line at the start and one of each run, however the text
        /// comes in two pieces.
        #[test]
        fn blank_lines_are_collapsed_in_any_two_pieces(text in "[a \n]{0,40}") {
            let mut expected = String::new();
            let mut run = 0;
            for c in text.trim_start_matches('\n').chars() {
                run = if c == '\n' { run + 1 } else { 0 };
                if run <= 2 {
                    expected.push(c);
                }
            }
            proptest::prop_assert_eq!(blank_lines(&text), expected);
            same_in_pieces(&text, || BlankLines::new(Vec::new()));
        }
    }

    #[test]
    fn markdown_is_tidied_line_by_line() {
        assert_eq!(tidy("\n \n# T  \n\n\n\ntext\t\n\n  \n"), "# T\n\ntext\n");
        assert_eq!(tidy("a"), "a\n");
        assert_eq!(tidy("\n\n \n"), "");
        assert_eq!(tidy("a\r\nb"), "a\nb\n");
        assert_eq!(tidy("é\u{a0}\n"), "é\n");
        same_in_pieces("\n \n# T  \n\n\n\ntext\t\n\n  \nend", || {
            Tidy::new(Vec::new())
        });
    }

    #[test]
    fn streamed_text_is_the_same_text_in_hand() {
        let streamed = Text::stream(|w| w.write_all("é\nb\n".as_bytes()));
        assert_eq!(streamed.into_string("x").expect("utf-8"), "é\nb\n");
        let done = Text::from("done\n".to_string());
        assert_eq!(done.into_string("x").expect("text"), "done\n");
    }
}
