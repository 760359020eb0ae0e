//! The boolean expressions of `-k` and `-m`, as pytest reads them:
//!
//! ```text
//! expr    := and ("or" and)*
//! and     := not ("and" not)*
//! not     := "not" not | primary
//! primary := "(" expr ")" | identifier
//! ```
//!
//! What an identifier matches is up to the caller: a substring of the test
//! name for `-k`, a marker name for `-m`.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expr {
    Ident(String),
    Not(Box<Expr>),
    /// `a and b and c` as one flat list, so long chains add no depth.
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

/// Deepest nesting of parentheses and `not`s accepted. Parsing, matching
/// and dropping an expression recurse once per level; without a bound a
/// generated expression overflows the stack. pytest stops near this depth
/// too (Python's recursion limit).
pub(crate) const MAX_DEPTH: usize = 100;

/// A malformed `-k`/`-m` expression: a usage error pointing at the column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    /// `-k` or `-m`.
    pub option: &'static str,
    pub expression: String,
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
}

/// Characters of a long expression shown on each side of the column.
const CONTEXT: usize = 40;

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A generated expression can be many kilobytes: quote the part
        // around the column, marking what was left out with `…`.
        let chars: Vec<char> = self.expression.chars().collect();
        let at = self.column.saturating_sub(1);
        let start = at.saturating_sub(CONTEXT);
        let end = (at + CONTEXT).min(chars.len());
        let before = if start > 0 { "…" } else { "" };
        let after = if end < chars.len() { "…" } else { "" };
        let shown: String = chars[start..end].iter().collect();
        write!(
            f,
            "{} expression is malformed at column {}: {}\n  {before}{shown}{after}\n  {}^",
            self.option,
            self.column,
            self.message,
            " ".repeat(at - start + before.chars().count())
        )
    }
}

impl std::error::Error for ExprError {}

impl Expr {
    /// Parses `text`; `option` names the flag in errors. An empty expression
    /// is `None`: it selects everything.
    pub(crate) fn parse(text: &str, option: &'static str) -> Result<Option<Self>, ExprError> {
        let error = |column: usize, message: String| ExprError { option, expression: text.to_owned(), column, message };
        let tokens = tokenize(text).map_err(|(column, message)| error(column, message))?;
        if tokens.len() == 1 {
            return Ok(None);
        }
        let mut parser = Parser { tokens, next: 0, depth: 0 };
        let expr = parser.or().map_err(|(column, message)| error(column, message))?;
        match parser.peek() {
            (Token::End, _) => Ok(Some(expr)),
            (token, column) => Err(error(column, format!("expected `and`, `or` or the end of the expression, found {}", token.describe()))),
        }
    }

    /// Evaluates the expression, asking `matches` about each identifier.
    pub(crate) fn eval(&self, matches: &dyn Fn(&str) -> bool) -> bool {
        match self {
            Self::Ident(ident) => matches(ident),
            Self::Not(inner) => !inner.eval(matches),
            Self::And(all) => all.iter().all(|expr| expr.eval(matches)),
            Self::Or(any) => any.iter().any(|expr| expr.eval(matches)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    Not,
    Ident(String),
    End,
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Self::Open => "`(`".to_owned(),
            Self::Close => "`)`".to_owned(),
            Self::And => "`and`".to_owned(),
            Self::Or => "`or`".to_owned(),
            Self::Not => "`not`".to_owned(),
            Self::Ident(ident) => format!("`{ident}`"),
            Self::End => "the end of the expression".to_owned(),
        }
    }
}

/// Characters pytest accepts in an identifier.
fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | ':' | '+' | '-' | '.' | '[' | ']' | '\\' | '/')
}

type Failure = (usize, String);

/// Tokens with their 1-based columns, ending with [`Token::End`].
fn tokenize(text: &str) -> Result<Vec<(Token, usize)>, Failure> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        let column = index + 1;
        if c.is_whitespace() {
            index += 1;
        } else if c == '(' || c == ')' {
            tokens.push((if c == '(' { Token::Open } else { Token::Close }, column));
            index += 1;
        } else if is_ident_char(c) {
            let start = index;
            while index < chars.len() && is_ident_char(chars[index]) {
                index += 1;
            }
            let word: String = chars[start..index].iter().collect();
            let token = match word.as_str() {
                "and" => Token::And,
                "or" => Token::Or,
                "not" => Token::Not,
                _ => Token::Ident(word),
            };
            tokens.push((token, column));
        } else {
            return Err((column, format!("unexpected character `{c}`")));
        }
    }
    tokens.push((Token::End, chars.len() + 1));
    Ok(tokens)
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    next: usize,
    /// Parentheses and `not`s open at the current token.
    depth: usize,
}

impl Parser {
    fn peek(&self) -> (Token, usize) {
        let last = self.tokens.len() - 1;
        self.tokens[self.next.min(last)].clone()
    }

    fn accept(&mut self, wanted: &Token) -> bool {
        let found = self.peek().0 == *wanted;
        if found {
            self.next += 1;
        }
        found
    }

    fn or(&mut self) -> Result<Expr, Failure> {
        let mut any = vec![self.and()?];
        while self.accept(&Token::Or) {
            any.push(self.and()?);
        }
        Ok(if any.len() == 1 { any.remove(0) } else { Expr::Or(any) })
    }

    fn and(&mut self) -> Result<Expr, Failure> {
        let mut all = vec![self.not()?];
        while self.accept(&Token::And) {
            all.push(self.not()?);
        }
        Ok(if all.len() == 1 { all.remove(0) } else { Expr::And(all) })
    }

    fn not(&mut self) -> Result<Expr, Failure> {
        if self.accept(&Token::Not) {
            self.descend()?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.primary()
    }

    /// One level deeper, refused past [`MAX_DEPTH`] at the token that opened it.
    fn descend(&mut self) -> Result<(), Failure> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let column = self.tokens[self.next.saturating_sub(1)].1;
            return Err((column, format!("nests deeper than {MAX_DEPTH} levels of parentheses and `not`; write it flatter")));
        }
        Ok(())
    }

    fn primary(&mut self) -> Result<Expr, Failure> {
        let (token, column) = self.peek();
        match token {
            Token::Open => {
                self.next += 1;
                self.descend()?;
                let expr = self.or()?;
                self.depth -= 1;
                let (close, column) = self.peek();
                if close != Token::Close {
                    return Err((column, format!("expected `)`, found {}", close.describe())));
                }
                self.next += 1;
                Ok(expr)
            }
            Token::Ident(ident) => {
                self.next += 1;
                Ok(Expr::Ident(ident))
            }
            other => Err((column, format!("expected a name, `not` or `(`, found {}", other.describe()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Expr {
        match Expr::parse(text, "-m") {
            Ok(Some(expr)) => expr,
            other => panic!("{text:?} did not parse: {other:?}"),
        }
    }

    fn column_of_error(text: &str) -> usize {
        match Expr::parse(text, "-m") {
            Err(error) => error.column,
            Ok(expr) => panic!("{text:?} parsed as {expr:?}"),
        }
    }

    fn eval(text: &str, names: &[&str]) -> bool {
        parse(text).eval(&|ident| names.contains(&ident))
    }

    #[test]
    fn precedence_is_not_then_and_then_or() {
        assert!(eval("a or b and c", &["a"]));
        assert!(!eval("(a or b) and c", &["a"]));
        assert!(eval("not a and b", &["b"]));
        assert!(!eval("not (a or b)", &["b"]));
        assert!(eval("not not a", &["a"]));
    }

    #[test]
    fn identifiers_take_pytest_characters() {
        assert_eq!(parse("plan::test-1.x[a]"), Expr::Ident("plan::test-1.x[a]".to_owned()));
        assert_eq!(parse("android"), Expr::Ident("android".to_owned()));
    }

    #[test]
    fn empty_expressions_select_everything() {
        assert_eq!(Expr::parse("  ", "-k"), Ok(None));
    }

    #[test]
    fn errors_point_at_the_column() {
        assert_eq!(column_of_error("tier0 and"), 10);
        assert_eq!(column_of_error("(tier0 or warm"), 15);
        assert_eq!(column_of_error("tier0 warm"), 7);
        assert_eq!(column_of_error("tier0 & warm"), 7);
        assert_eq!(column_of_error(")"), 1);
        assert_eq!(column_of_error("é and !"), 7);
    }

    #[test]
    fn long_chains_are_flat_and_match_as_before() {
        let chain = (0..50_000).map(|i| format!("t{i}")).collect::<Vec<_>>().join(" or ");
        assert!(eval(&chain, &["t49999"]));
        assert!(!eval(&chain, &["u"]));
        let all = (0..50_000).map(|i| format!("t{i}")).collect::<Vec<_>>().join(" and ");
        assert!(!eval(&all, &["t0"]));
        assert_eq!(parse("a and b and c or d"), Expr::Or(vec![Expr::And(vec![ident("a"), ident("b"), ident("c")]), ident("d")]));
    }

    fn ident(name: &str) -> Expr {
        Expr::Ident(name.to_owned())
    }

    #[test]
    fn nesting_deeper_than_the_bound_is_refused_not_a_stack_overflow() {
        let parens = format!("{}a{}", "(".repeat(10_000), ")".repeat(10_000));
        let nots = format!("{}a", "not ".repeat(30_000));
        for (text, column) in [(parens.as_str(), MAX_DEPTH + 1), (nots.as_str(), 4 * MAX_DEPTH + 1)] {
            let Err(error) = Expr::parse(text, "-k") else { panic!("accepted {} levels", MAX_DEPTH + 1) };
            assert_eq!(error.column, column);
            assert!(error.message.contains(&format!("deeper than {MAX_DEPTH} levels")), "{}", error.message);
        }
        let deepest = format!("{}a{}", "(not ".repeat(MAX_DEPTH / 2), ")".repeat(MAX_DEPTH / 2));
        assert!(eval(&deepest, &["a"]) && !eval(&deepest, &["b"]));
    }

    #[test]
    fn a_long_expression_is_quoted_around_the_column() {
        let text = format!("{}a and", "x or ".repeat(100));
        let Err(error) = Expr::parse(&text, "-k") else { panic!("should fail") };
        let shown = error.to_string();
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines[1], format!("  …{}", &text[text.len() - CONTEXT..]));
        assert_eq!(lines[2].len(), lines[1].chars().count() + 1, "the caret sits one past the end: {shown}");
    }

    #[test]
    fn the_message_shows_a_caret_under_the_column() {
        let Err(error) = Expr::parse("a and", "-m") else { panic!("should fail") };
        assert_eq!(
            error.to_string(),
            "-m expression is malformed at column 6: expected a name, `not` or `(`, found the end of the expression\n  a and\n       ^"
        );
    }
}
