//! One escaping function per output language. Every scenario value that reaches an output goes
//! through the function of that output's language (templates use them as filters), so no value
//! can close its quotes and become code.

/// A Bicep single-quoted string literal, quotes included. `${` is escaped so a value cannot
/// open an interpolation.
pub fn bicep(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:X}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// An ARM template string value (unquoted; JSON serialization quotes it). A leading `[` is
/// doubled so the value stays a literal and is never evaluated as an expression.
pub fn arm(s: &str) -> String {
    if s.starts_with('[') {
        format!("[{s}")
    } else {
        s.to_string()
    }
}

/// A string literal inside an ARM template expression (`[...]`), quotes included: a quote is
/// doubled, so a value cannot end the literal and become part of the expression.
pub fn arm_expr_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A POSIX shell word in single quotes: nothing inside is expanded.
pub fn shell(s: &str) -> String {
    format!("'{}'", s.replace('\'', r#"'\''"#))
}

/// A YAML (and JSON, and Python) double-quoted string literal, quotes included.
pub fn yaml(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

/// Markdown inline text: characters with meaning are backslash-escaped, line breaks become
/// spaces, so a value cannot start a heading, a link, HTML or a table cell.
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' | '(' | ')' | '{'
            | '}' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Markdown inline code, backticks included: the text shows verbatim. The fence is longer
/// than any run of backticks inside, `|` is escaped so a value cannot split a table cell, and
/// line breaks become spaces.
pub fn markdown_code(s: &str) -> String {
    // Most values (names, addresses, zones) are printable ASCII without a backtick or `|`:
    // they are themselves between single backticks, which is what the general path writes.
    let plain = s
        .bytes()
        .all(|b| matches!(b, b' '..=b'~') && b != b'`' && b != b'|')
        && s.bytes().any(|b| b != b' ');
    if plain {
        return format!("`{s}`");
    }
    markdown_code_general(s)
}

fn markdown_code_general(s: &str) -> String {
    let text: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .replace('|', "\\|");
    if text.trim().is_empty() {
        return String::new();
    }
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// Text inside a Mermaid node label written as `["..."]`: quotes and markup become entities.
pub fn mermaid(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '`' => out.push_str("#96;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A line comment's text in any output: line breaks and control characters removed, so a
/// value in a comment cannot end it and start code.
pub fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The escapers as askama filters: `{{ value|sh }}`. A filter takes anything displayable
/// (strings, numbers, booleans) and escapes its text. A renderer whose templates need more
/// filters declares its own `filters` module that re-exports these.
pub mod filters {
    use std::fmt::Display;

    macro_rules! escapers {
        ($($name:ident => $f:path),* $(,)?) => {$(
            #[askama::filter_fn]
            pub fn $name<T: Display>(value: T, _: &dyn askama::Values) -> askama::Result<String> {
                Ok($f(&value.to_string()))
            }
        )*};
    }

    escapers! {
        bicep => super::bicep,
        arm => super::arm,
        sh => super::shell,
        yaml => super::yaml,
        md => super::markdown,
        mdcode => super::markdown_code,
        mermaid => super::mermaid,
        comment => super::comment,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &[&str] = &[
        "$(touch /tmp/pwned)",
        "`id`",
        "a; rm -rf /",
        "it's \"quoted\"",
        "line\nbreak",
        "${subscription().id}",
        "[concat('a','b')]",
        "back\\slash",
        "\u{202E}reversed",
    ];

    #[test]
    fn shell_words_round_trip_through_a_real_shell() {
        for h in HOSTILE {
            let script = format!("printf '%s' {}", shell(h));
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(&script)
                .output()
                .expect("sh runs");
            assert_eq!(String::from_utf8_lossy(&out.stdout), *h, "{script}");
        }
    }

    #[test]
    fn bicep_strings_cannot_interpolate_or_close() {
        assert_eq!(bicep("${x}"), r"'\${x}'");
        assert_eq!(bicep("it's"), r"'it\'s'");
        assert_eq!(bicep("a\nb"), r"'a\nb'");
        assert_eq!(bicep("$5"), "'$5'");
    }

    #[test]
    fn arm_values_are_never_expressions() {
        assert_eq!(arm("[concat('a')]"), "[[concat('a')]");
        assert_eq!(arm("plain"), "plain");
        assert_eq!(arm_expr_string("it's"), "'it''s'");
    }

    #[test]
    fn the_plain_code_span_shortcut_writes_what_the_general_path_writes() {
        for s in [
            "pe-x",
            "10.0.0.0/24",
            "<workspace-id>.workspace.eastus2",
            "~!@#$%^&*()_+{}[]:;\"'<>,.?/\\",
            "",
            " ",
            "  a  ",
            "a`b",
            "`x",
            "x`",
            "a|b",
            "tab\there",
            "line\nbreak",
            "del\u{7f}",
            "naïve – 日本語",
            "\u{202E}reversed",
        ] {
            assert_eq!(markdown_code(s), markdown_code_general(s), "{s:?}");
        }
    }

    #[test]
    fn yaml_and_markdown_neutralise_markup() {
        assert_eq!(yaml("a\"b\n"), r#""a\"b\n""#);
        assert_eq!(markdown("# [x](y) <b>"), r"\# \[x\]\(y\) \<b\>");
        assert_eq!(mermaid("a\"b<c>"), "a#quot;b#lt;c#gt;");
        assert_eq!(mermaid("`x`"), "#96;x#96;");
        assert_eq!(markdown_code("pe-x"), "`pe-x`");
        assert_eq!(markdown_code("a`b|c"), "``a`b\\|c``");
        assert_eq!(markdown_code("`x"), "`` `x ``");
        assert_eq!(comment("a\nrm -rf /"), "a rm -rf /");
    }
}
