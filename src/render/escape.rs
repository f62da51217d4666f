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

/// An ARM template string value (unquoted; JSON serialization quotes it). A value that ARM
/// would evaluate, one that starts with `[` and ends with `]`, gets a second `[` so it stays
/// the literal it is; any other value is literal as written (`catalog::ARM_EXPRESSION`).
pub fn arm(s: &str) -> String {
    let (open, close) = crate::catalog::ARM_EXPRESSION;
    if s.starts_with(open) && s.ends_with(close) {
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
/// spaces, so a value cannot start a heading, a link (an autolink included), HTML or a table
/// cell.
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.char_indices() {
        match c {
            // A URL in a value stays text: `https\://` and `www\.` are no autolink.
            ':' if s[i + 1..].starts_with("//") => out.push_str("\\:"),
            '.' if out.len() >= 3
                && out.as_bytes()[out.len() - 3..].eq_ignore_ascii_case(b"www") =>
            {
                out.push_str("\\.")
            }
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

/// Markdown text of several lines, each escaped as [`markdown`] and at the start of a line
/// of its own: lines are joined by hard breaks (a `\` at the end of the line), a blank line
/// separates paragraphs, and every line after the first starts with `prefix` (`> ` in a block
/// quote, spaces in a list item). A line cannot start a list, a heading or a quote: a leading
/// `-`, `+`, `=` or the `.`/`)` of `1.` is escaped. Blank lines at either end show nothing
/// and are left out.
pub fn markdown_lines(s: &str, prefix: &str) -> String {
    let lines: Vec<String> = s
        .trim_matches(|c| c == '\n')
        .split('\n')
        .map(|l| {
            let mut e = markdown(l);
            let lead = e.len() - e.trim_start().len();
            let rest = &e[lead..];
            if rest.starts_with(['-', '+', '=']) {
                e.insert(lead, '\\');
            } else {
                let digits = rest.chars().take_while(char::is_ascii_digit).count();
                if digits > 0 && rest[digits..].starts_with(['.', ')']) {
                    e.insert(lead + digits, '\\');
                }
            }
            e.trim_end().to_string()
        })
        .collect();
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            let after_text = !lines[i - 1].trim().is_empty();
            if after_text && !line.trim().is_empty() {
                out.push('\\');
            }
            out.push('\n');
            if line.trim().is_empty() {
                out.push_str(prefix.trim_end());
                continue;
            }
            out.push_str(prefix);
        }
        out.push_str(line.trim_start());
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

/// A tag name in the Azure CLI's shorthand syntax (`--tags` of the network, private DNS and Log
/// Analytics commands): a name of other characters than letters, digits, `-` and `_`, or one
/// starting with `-` (an option to the CLI), is single-quoted (a `.` would nest it); `'` is
/// written `'/` inside quotes.
pub fn shorthand_key(s: &str) -> String {
    let plain = !s.is_empty()
        && !s.starts_with('-')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if plain {
        s.to_string()
    } else {
        shorthand_quote(s)
    }
}

/// A tag value in the CLI's shorthand syntax: single-quoted unless it is plain words (letters,
/// digits, `-`, `_` and inner spaces). Unquoted, the syntax reads `null` as null, `??` as a
/// request for help and a value naming a file as that file's content, may read `[...]` and
/// `{...}` as a list or an object (the tags argument of the current CLI takes them as text),
/// and refuses an empty value ("argument value cannot be blank"). Quoting is always safe.
pub fn shorthand_value(s: &str) -> String {
    let plain = !s.is_empty()
        && s != "null"
        && !s.starts_with(' ')
        && !s.ends_with(' ')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' '));
    if plain {
        s.to_string()
    } else {
        shorthand_quote(s)
    }
}

fn shorthand_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'/"))
}

/// A line comment's text in any output: line breaks and control characters removed, so a
/// value in a comment cannot end it and start code.
pub fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The text of an HTML comment (`<!-- ... -->`, as Markdown files carry their header): no
/// control characters, and no `--` that could end it early.
pub fn html_comment(s: &str) -> String {
    let mut out = comment(s);
    while out.contains("--") {
        out = out.replace("--", "- -");
    }
    out
}

/// The text a filter escapes: a string as it is, a number or a boolean as templates print it.
/// Anything else (a map, a list, none) is a template bug, reported as such.
fn text(v: &tera::Value) -> tera::TeraResult<std::borrow::Cow<'_, str>> {
    if let Some(s) = v.as_str() {
        Ok(s.into())
    } else if v.is_number() || v.is_bool() {
        Ok(v.to_string().into())
    } else {
        Err(tera::Error::message(format!(
            "expected text, a number or a boolean, got {}",
            v.name()
        )))
    }
}

/// Registers the escapers as template filters: `{{ value | sh }}`. Each takes text (or a
/// number, or a boolean) and returns it escaped for one output language; `json` takes any
/// value.
pub fn register(t: &mut tera::Tera) {
    macro_rules! escapers {
        ($($name:literal => $f:path),* $(,)?) => {$(
            t.register_filter(
                $name,
                |v: &tera::Value, _: tera::Kwargs, _: &tera::State| text(v).map(|s| $f(&s)),
            );
        )*};
    }
    escapers! {
        "sh" => shell,
        "bicep" => bicep,
        "arm" => arm,
        "arm_expr" => arm_expr_string,
        "yaml" => yaml,
        "md" => markdown,
        "mdcode" => markdown_code,
        "mermaid" => mermaid,
        "comment" => comment,
        "html_comment" => html_comment,
        "shorthand_key" => shorthand_key,
        "shorthand_value" => shorthand_value,
    }
    t.register_filter(
        "md_lines",
        |v: &tera::Value, kwargs: tera::Kwargs, _: &tera::State| {
            let prefix = kwargs.get::<String>("prefix")?.unwrap_or_default();
            text(v).map(|s| markdown_lines(&s, &prefix))
        },
    );
    t.register_filter(
        "json",
        |v: &tera::Value, kwargs: tera::Kwargs, _: &tera::State| {
            let pretty = kwargs.get::<bool>("pretty")?.unwrap_or(false);
            let text = if pretty {
                serde_json::to_string_pretty(v)
            } else {
                serde_json::to_string(v)
            };
            text.map_err(|e| tera::Error::message(e.to_string()))
        },
    );
}

/// Texts that exercise every escaper: quotes, expansions, interpolations, control and
/// invisible characters, and every character below U+0200; for the tests that hold each
/// template filter to its escaping function.
#[cfg(test)]
pub(crate) fn tricky_texts() -> Vec<String> {
    let mut texts: Vec<String> = [
        "",
        "plain",
        "'",
        "''",
        "it's 'quoted' ${x} $",
        "$(touch /tmp/pwned) `id` ${x}",
        "${x}",
        "$",
        "$$",
        "$${",
        "a$",
        "$5",
        "{$}",
        "back\\slash",
        "line\nbreak\r\t",
        "\u{0}\u{1f}\u{7f}\u{80}\u{85}\u{9f}\u{a0}",
        "\u{202E}rev",
        "é${ü}",
        "é'ü",
        "privatelink.blob.core.windows.net",
    ]
    .iter()
    .chain(tests::HOSTILE)
    .map(|s| s.to_string())
    .collect();
    texts.push((0u32..0x200).filter_map(char::from_u32).collect());
    texts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each filter, called from a template, writes what its function spells, for every
    /// tricky text; and a comment never holds a character that could end it.
    #[test]
    fn filters_write_what_their_functions_spell() {
        type Escaper = fn(&str) -> String;
        let escapers: [(&str, Escaper); 12] = [
            ("sh", shell),
            ("bicep", bicep),
            ("arm", arm),
            ("arm_expr", arm_expr_string),
            ("yaml", yaml),
            ("md", markdown),
            ("mdcode", markdown_code),
            ("mermaid", mermaid),
            ("comment", comment),
            ("html_comment", html_comment),
            ("shorthand_key", shorthand_key),
            ("shorthand_value", shorthand_value),
        ];
        let mut t = tera::Tera::default();
        register(&mut t);
        for (name, _) in &escapers {
            t.add_raw_template(name, &format!("{{{{ v | {name} }}}}"))
                .expect("the filter exists");
        }
        t.autoescape_on(Vec::<&str>::new());
        for text in &tricky_texts() {
            let ctx = tera::Context::from_serialize(&serde_json::json!({ "v": text }))
                .expect("a context");
            for (name, f) in &escapers {
                assert_eq!(
                    t.render(name, &ctx).expect("renders"),
                    f(text),
                    "{name} {text:?}"
                );
            }
            assert!(!comment(text).chars().any(char::is_control), "{text:?}");
            assert!(!html_comment(text).contains("--"), "{text:?}");
        }
    }

    pub(super) const HOSTILE: &[&str] = &[
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
    fn shorthand_tags_quote_what_the_syntax_would_misread() {
        assert_eq!(shorthand_key("environment"), "environment");
        assert_eq!(shorthand_key("cost center"), "'cost center'");
        assert_eq!(shorthand_key("team.name"), "'team.name'");
        assert_eq!(shorthand_value("a b"), "a b");
        assert_eq!(shorthand_value("[v]"), "'[v]'");
        assert_eq!(shorthand_value("./tags.json"), "'./tags.json'");
        assert_eq!(shorthand_value("'q'"), "''/q'/'");
        assert_eq!(shorthand_value("null"), "'null'");
        assert_eq!(shorthand_value(""), "''");
        assert_eq!(shorthand_key("-a"), "'-a'");
    }

    #[test]
    fn arm_values_are_never_expressions() {
        assert_eq!(arm("[concat('a')]"), "[[concat('a')]");
        assert_eq!(arm("plain"), "plain");
        assert_eq!(arm("[test] value"), "[test] value");
        assert_eq!(arm("[[x]"), "[[[x]");
        assert_eq!(arm("["), "[");
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
    fn markdown_urls_stay_text() {
        assert_eq!(
            markdown("see https://x.invalid/a"),
            "see https\\://x.invalid/a"
        );
        assert_eq!(markdown("WWW.x.invalid"), "WWW\\.x.invalid");
        assert_eq!(markdown("a.b: c"), "a.b: c");
    }

    #[test]
    fn markdown_lines_keep_their_breaks_and_start_nothing() {
        assert_eq!(markdown_lines("one line", "> "), "one line");
        assert_eq!(markdown_lines("a\nb\n", "> "), "a\\\n> b");
        assert_eq!(markdown_lines("a\n\nb", "> "), "a\n>\n> b");
        assert_eq!(
            markdown_lines("x\n- item\n1. one\n---\n# h", "  "),
            "x\\\n  \\- item\\\n  1\\. one\\\n  \\---\\\n  \\# h"
        );
        assert_eq!(
            markdown_lines("ends with \\\nnext", ""),
            "ends with \\\\\\\nnext"
        );
    }

    #[test]
    fn html_comments_cannot_be_closed_early() {
        assert_eq!(html_comment("a-->b\nc"), "a- ->b c");
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
