//! Participants' files can hold anything. The hand-written readers must answer every input
//! with a result or an error, never a panic: fed here with deterministic pseudo-random text
//! built from the characters that matter to each format.

/// xorshift64: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn text(&mut self, alphabet: &[&str], len: usize) -> String {
        (0..len)
            .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize])
            .collect()
    }
}

const PROM: &[&str] = &[
    "# HELP ",
    "# TYPE ",
    "a",
    "a_bucket",
    "_count",
    "_sum",
    "{",
    "}",
    "le=",
    "\"",
    "\\",
    ",",
    "=",
    " ",
    "\n",
    "1",
    "+Inf",
    "NaN",
    "-",
    "histogram",
    "counter",
    "é",
    "\t",
    "0.5",
];
const DOTENV: &[&str] = &[
    "A", "=", "\"", "'", "#", " ", "\n", "export ", "\\", "x", "1", "é",
];

#[test]
fn parsers_never_panic_on_garbage() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..3000 {
        let len = (round % 60) + 1;
        let prom = rng.text(PROM, len);
        let _ = formats::promtext::validate(&prom);
        let env = rng.text(DOTENV, len);
        let _ = formats::dotenv::parse(&env);
    }
}
