//! A small backtracking regular-expression engine, enough for the `pattern` keywords of the
//! ARM resource schemas (ECMAScript flavour, as JSON Schema prescribes): literals, `.`, classes
//! with ranges and `\d \w \s` (and negations), groups (capturing, `(?:`), look-ahead `(?=`/`(?!`,
//! look-behind `(?<=`/`(?<!`, alternation, anchors `^ $`, word boundary `\b`, and the
//! quantifiers `* + ? {n} {n,} {n,m}` (greedy or lazy). Search semantics: the pattern may match
//! anywhere in the string unless anchored, as JSON Schema `pattern` does.

use std::fmt;

#[derive(Debug, Clone)]
enum ClassItem {
    Char(char),
    Range(char, char),
    Digit(bool),
    Word(bool),
    Space(bool),
}

#[derive(Debug, Clone)]
enum Node {
    Empty,
    Char(char),
    Any,
    Class {
        items: Vec<ClassItem>,
        negated: bool,
    },
    Start,
    End,
    WordBoundary(bool),
    Seq(Vec<Node>),
    Alt(Vec<Node>),
    Repeat {
        node: Box<Node>,
        min: usize,
        max: Option<usize>,
        greedy: bool,
    },
    Look {
        node: Box<Node>,
        ahead: bool,
        negate: bool,
    },
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub struct Regex {
    root: Node,
}

/// Why a pattern could not be compiled.
#[derive(Debug, Clone)]
pub struct RegexError {
    pub pattern: String,
    pub reason: String,
}

impl fmt::Display for RegexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot compile pattern {:?}: {}",
            self.pattern, self.reason
        )
    }
}

impl Regex {
    pub fn new(pattern: &str) -> Result<Regex, RegexError> {
        let mut p = Parser {
            chars: pattern.chars().collect(),
            pos: 0,
        };
        let root = p.parse_alt().map_err(|reason| RegexError {
            pattern: pattern.to_string(),
            reason,
        })?;
        if p.pos != p.chars.len() {
            return Err(RegexError {
                pattern: pattern.to_string(),
                reason: format!("unexpected {:?} at {}", p.chars[p.pos], p.pos),
            });
        }
        Ok(Regex { root })
    }

    /// JSON Schema semantics: true when the pattern matches somewhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        let m = Matcher { text: &chars };
        (0..=chars.len()).any(|start| m.node(&self.root, start, &mut |_| true))
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn parse_alt(&mut self) -> Result<Node, String> {
        let mut branches = vec![self.parse_seq()?];
        while self.eat('|') {
            branches.push(self.parse_seq()?);
        }
        Ok(if branches.len() == 1 {
            branches.remove(0)
        } else {
            Node::Alt(branches)
        })
    }

    fn parse_seq(&mut self) -> Result<Node, String> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.parse_atom()?;
            let atom = self.parse_quantifier(atom)?;
            items.push(atom);
        }
        Ok(match items.len() {
            0 => Node::Empty,
            1 => items.remove(0),
            _ => Node::Seq(items),
        })
    }

    fn parse_quantifier(&mut self, atom: Node) -> Result<Node, String> {
        let (min, max) = match self.peek() {
            Some('*') => {
                self.pos += 1;
                (0, None)
            }
            Some('+') => {
                self.pos += 1;
                (1, None)
            }
            Some('?') => {
                self.pos += 1;
                (0, Some(1))
            }
            Some('{') => match self.try_braces() {
                Some(q) => q,
                None => return Ok(atom),
            },
            _ => return Ok(atom),
        };
        if matches!(
            atom,
            Node::Start | Node::End | Node::Look { .. } | Node::WordBoundary(_)
        ) {
            return Err("quantifier after an assertion".to_string());
        }
        let greedy = !self.eat('?');
        Ok(Node::Repeat {
            node: Box::new(atom),
            min,
            max,
            greedy,
        })
    }

    /// `{n}`, `{n,}` or `{n,m}`; anything else leaves the position alone (a literal `{`).
    fn try_braces(&mut self) -> Option<(usize, Option<usize>)> {
        let start = self.pos;
        self.pos += 1;
        let min = self.number();
        let result = match (min, self.peek()) {
            (Some(n), Some('}')) => {
                self.pos += 1;
                Some((n, Some(n)))
            }
            (Some(n), Some(',')) => {
                self.pos += 1;
                let max = self.number();
                if self.eat('}') {
                    Some((n, max))
                } else {
                    None
                }
            }
            _ => None,
        };
        if result.is_none() {
            self.pos = start;
        }
        result
    }

    fn number(&mut self) -> Option<usize> {
        let start = self.pos;
        while matches!(self.peek(), Some(c) if c.is_ascii_digit()) {
            self.pos += 1;
        }
        if start == self.pos {
            return None;
        }
        self.chars[start..self.pos]
            .iter()
            .collect::<String>()
            .parse()
            .ok()
    }

    fn parse_atom(&mut self) -> Result<Node, String> {
        let c = self.peek().ok_or("unexpected end")?;
        self.pos += 1;
        match c {
            '.' => Ok(Node::Any),
            '^' => Ok(Node::Start),
            '$' => Ok(Node::End),
            '(' => self.parse_group(),
            '[' => self.parse_class(),
            '\\' => self.parse_escape(),
            '*' | '+' | '?' => Err(format!("nothing to repeat before {c:?}")),
            '{' => {
                // A `{` that does not start a valid quantifier is a literal (Annex B).
                self.pos -= 1;
                if self.try_braces().is_some() {
                    return Err("nothing to repeat before '{'".to_string());
                }
                self.pos += 1;
                Ok(Node::Char('{'))
            }
            other => Ok(Node::Char(other)),
        }
    }

    fn parse_group(&mut self) -> Result<Node, String> {
        let look = if self.peek() == Some('?') {
            match (self.peek_at(1), self.peek_at(2)) {
                (Some(':'), _) => {
                    self.pos += 2;
                    None
                }
                (Some('='), _) => {
                    self.pos += 2;
                    Some((true, false))
                }
                (Some('!'), _) => {
                    self.pos += 2;
                    Some((true, true))
                }
                (Some('<'), Some('=')) => {
                    self.pos += 3;
                    Some((false, false))
                }
                (Some('<'), Some('!')) => {
                    self.pos += 3;
                    Some((false, true))
                }
                _ => return Err("unsupported group syntax".to_string()),
            }
        } else {
            None
        };
        let inner = self.parse_alt()?;
        if !self.eat(')') {
            return Err("missing ')'".to_string());
        }
        Ok(match look {
            None => inner,
            Some((ahead, negate)) => Node::Look {
                node: Box::new(inner),
                ahead,
                negate,
            },
        })
    }

    fn parse_escape(&mut self) -> Result<Node, String> {
        let c = self.peek().ok_or("trailing backslash")?;
        self.pos += 1;
        Ok(match c {
            'd' => Node::Class {
                items: vec![ClassItem::Digit(true)],
                negated: false,
            },
            'D' => Node::Class {
                items: vec![ClassItem::Digit(false)],
                negated: false,
            },
            'w' => Node::Class {
                items: vec![ClassItem::Word(true)],
                negated: false,
            },
            'W' => Node::Class {
                items: vec![ClassItem::Word(false)],
                negated: false,
            },
            's' => Node::Class {
                items: vec![ClassItem::Space(true)],
                negated: false,
            },
            'S' => Node::Class {
                items: vec![ClassItem::Space(false)],
                negated: false,
            },
            'b' => Node::WordBoundary(true),
            'B' => Node::WordBoundary(false),
            other => Node::Char(simple_escape(other)?),
        })
    }

    fn parse_class(&mut self) -> Result<Node, String> {
        let negated = self.eat('^');
        let mut items = Vec::new();
        let mut first = true;
        loop {
            let c = self.peek().ok_or("missing ']'")?;
            if c == ']' && !first {
                self.pos += 1;
                break;
            }
            if c == ']' {
                // `[]` matches nothing in ECMAScript; `[^]` anything.
                self.pos += 1;
                return Ok(if negated {
                    Node::Any
                } else {
                    Node::Class {
                        items,
                        negated: false,
                    }
                });
            }
            first = false;
            let item = self.class_atom()?;
            // A range needs single characters on both sides; otherwise `-` is literal.
            if self.peek() == Some('-') && self.peek_at(1).is_some_and(|n| n != ']') {
                if let ClassItem::Char(lo) = item {
                    self.pos += 1;
                    let hi_item = self.class_atom()?;
                    match hi_item {
                        ClassItem::Char(hi) => {
                            if hi < lo {
                                return Err(format!("bad range {lo}-{hi}"));
                            }
                            items.push(ClassItem::Range(lo, hi));
                        }
                        other => {
                            items.push(ClassItem::Char(lo));
                            items.push(ClassItem::Char('-'));
                            items.push(other);
                        }
                    }
                    continue;
                }
            }
            items.push(item);
        }
        Ok(Node::Class { items, negated })
    }

    fn class_atom(&mut self) -> Result<ClassItem, String> {
        let c = self.peek().ok_or("missing ']'")?;
        self.pos += 1;
        if c != '\\' {
            return Ok(ClassItem::Char(c));
        }
        let e = self.peek().ok_or("trailing backslash")?;
        self.pos += 1;
        Ok(match e {
            'd' => ClassItem::Digit(true),
            'D' => ClassItem::Digit(false),
            'w' => ClassItem::Word(true),
            'W' => ClassItem::Word(false),
            's' => ClassItem::Space(true),
            'S' => ClassItem::Space(false),
            'b' => ClassItem::Char('\u{8}'),
            other => ClassItem::Char(simple_escape(other)?),
        })
    }
}

fn simple_escape(c: char) -> Result<char, String> {
    Ok(match c {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        'f' => '\u{c}',
        'v' => '\u{b}',
        '0' => '\0',
        c if c.is_ascii_alphanumeric() => return Err(format!("unsupported escape \\{c}")),
        c => c,
    })
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

fn class_item_matches(item: &ClassItem, c: char) -> bool {
    match *item {
        ClassItem::Char(x) => x == c,
        ClassItem::Range(lo, hi) => lo <= c && c <= hi,
        ClassItem::Digit(pos) => c.is_ascii_digit() == pos,
        ClassItem::Word(pos) => is_word(c) == pos,
        ClassItem::Space(pos) => is_space(c) == pos,
    }
}

struct Matcher<'t> {
    text: &'t [char],
}

impl Matcher<'_> {
    /// Continuation-passing backtracking: match `node` at `i`, then call `k` with the end.
    fn node(&self, node: &Node, i: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
        match node {
            Node::Empty => k(i),
            Node::Char(c) => self.text.get(i) == Some(c) && k(i + 1),
            Node::Any => matches!(self.text.get(i), Some(&c) if c != '\n' && c != '\r') && k(i + 1),
            Node::Class { items, negated } => match self.text.get(i) {
                Some(&c) => {
                    (items.iter().any(|it| class_item_matches(it, c)) != *negated) && k(i + 1)
                }
                None => false,
            },
            Node::Start => i == 0 && k(i),
            Node::End => i == self.text.len() && k(i),
            Node::WordBoundary(want) => {
                let before = i > 0 && is_word(self.text[i - 1]);
                let after = i < self.text.len() && is_word(self.text[i]);
                ((before != after) == *want) && k(i)
            }
            Node::Seq(items) => self.seq(items, i, k),
            Node::Alt(branches) => branches.iter().any(|b| self.node(b, i, k)),
            Node::Repeat {
                node,
                min,
                max,
                greedy,
            } => self.repeat(node, *min, *max, *greedy, 0, i, k),
            Node::Look {
                node,
                ahead,
                negate,
            } => {
                let found = if *ahead {
                    self.node(node, i, &mut |_| true)
                } else {
                    (0..=i).any(|j| self.node(node, j, &mut |e| e == i))
                };
                found != *negate && k(i)
            }
        }
    }

    fn seq(&self, items: &[Node], i: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
        match items.split_first() {
            None => k(i),
            Some((first, rest)) => self.node(first, i, &mut |j| self.seq(rest, j, k)),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn repeat(
        &self,
        node: &Node,
        min: usize,
        max: Option<usize>,
        greedy: bool,
        count: usize,
        i: usize,
        k: &mut dyn FnMut(usize) -> bool,
    ) -> bool {
        let can_more = max.is_none_or(|m| count < m);
        let more = |k: &mut dyn FnMut(usize) -> bool| {
            can_more
                && self.node(node, i, &mut |j| {
                    // An iteration that consumed nothing cannot help once `min` is reached.
                    (j != i || count < min) && self.repeat(node, min, max, greedy, count + 1, j, k)
                })
        };
        if count < min {
            return more(k);
        }
        // Greedy: try one more iteration first; lazy: try to stop first.
        if greedy {
            return more(k) || k(i);
        }
        k(i) || more(k)
    }
}

#[cfg(test)]
mod tests {
    use super::Regex;

    fn m(p: &str, s: &str) -> bool {
        Regex::new(p).unwrap_or_else(|e| panic!("{e}")).is_match(s)
    }

    #[test]
    fn regex_basics() {
        assert!(m("^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$", "mlw-prod_01"));
        assert!(!m("^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$", "-bad"));
        assert!(!m("^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$", "ab"));
        assert!(m("[a-zA-Z0-9_]", "--x--"));
        assert!(!m("[a-zA-Z0-9_]", "---"));
        assert!(m(r"^\[([^\[].*)?\]$", "[parameters('x')]"));
        assert!(m(r"^\[([^\[].*)?\]$", "[]"));
        assert!(!m(r"^\[([^\[].*)?\]$", "[[escaped]"));
        assert!(m(
            r"^([0-9]{1,3}\.){3}[0-9]{1,3}(\/([0-9]|[1-2][0-9]|3[0-2]))?$",
            "10.0.0.0/16"
        ));
        assert!(!m(
            r"^([0-9]{1,3}\.){3}[0-9]{1,3}(\/([0-9]|[1-2][0-9]|3[0-2]))?$",
            "10.0.0/16"
        ));
        assert!(m(
            r"(^[a-zA-Z0-9]+[a-zA-Z0-9_.-]*[a-zA-Z0-9_]+$)|(^[a-zA-Z0-9]$)",
            "a"
        ));
        assert!(m(r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$", "ab-cd"));
        assert!(!m(r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$", "ab--cd"));
        assert!(m(r"^[^_\W][\w-._]{0,79}(?<![-.])$", "rule_1.a"));
        assert!(!m(r"^[^_\W][\w-._]{0,79}(?<![-.])$", "rule_1."));
        assert!(!m(r"^[^_\W][\w-._]{0,79}(?<![-.])$", "_rule"));
        assert!(m(r"^[-\w\._\(\)]+$", "deploy-(1).x"));
        assert!(m(
            r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$",
            "aGVsbG8="
        ));
        assert!(m(r"^.*/default$", "x/y/default"));
        assert!(m("a{,2}", "a{,2}"));
        assert!(m("^(a|ab)(c|bcd)(d*)$", "abcd"));
        assert!(m("^a*?b$", "aaab"));
        assert!(Regex::new("a**").is_err());
    }
}
