//! Every registered rule reads its parameters through one typed struct, so every rule
//! answers a misspelt, unknown, wrongly typed or missing parameter in lab.toml with an
//! error at `lab.toml:line` that names the parameter (and the nearest valid name).

use labkit::engine::lab::Lab;
use labkit::engine::registry;

const HEAD: &str = "id = \"99-params\"\ntitle = \"T\"\ngoal = \"G\"\nminutes = 5\nchapter = \"x.md\"\n\n[[check]]\nname = \"the check\"\n";

/// A lab.toml with one check of `rule`; `params` are lines of its `[check.params]`
/// table, which starts on line 11.
fn lab_toml(rule: &str, params: &[String]) -> String {
    format!(
        "{HEAD}rule = \"{rule}\"\n\n[check.params]\n{}",
        params.iter().map(|p| format!("{p}\n")).collect::<String>()
    )
}

const FIRST_PARAM_LINE: usize = 12;

fn parse(text: &str) -> Result<Lab, labkit::engine::lab::LabError> {
    Lab::parse(text, "labs/99-params/lab.toml")
}

/// A spelling of `name` one edit away that no rule parameter has.
fn misspelt(name: &str) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    let last = chars.len() - 1;
    chars.swap(last - 1, last);
    let swapped: String = chars.into_iter().collect();
    if swapped != name {
        swapped
    } else {
        format!("{name}x")
    }
}

#[test]
fn every_rule_names_the_parameter_a_lab_toml_gets_wrong() {
    let rules = registry::all_rules();
    assert!(rules.len() > 40, "only {} rules registered", rules.len());
    let mut failures = Vec::new();
    for rule in &rules {
        let id = rule.id();
        let names = rule.param_names();

        let unknown = parse(&lab_toml(id, &["no_such_parameter = 1".into()])).unwrap_err();
        if unknown.line != Some(FIRST_PARAM_LINE)
            || !unknown
                .message
                .contains(&format!("{id} has no parameter `no_such_parameter`"))
        {
            failures.push(format!("{id}, unknown parameter: {unknown}"));
        }

        for name in names {
            let typo = misspelt(name);
            if names.contains(&typo.as_str()) {
                continue;
            }
            let err = parse(&lab_toml(id, &[format!("{typo} = 1")])).unwrap_err();
            if err.line != Some(FIRST_PARAM_LINE)
                || !err.message.contains(&format!("`{typo}`"))
                || !err.message.contains(&format!("did you mean `{name}`?"))
            {
                failures.push(format!("{id}, {name} misspelt as {typo}: {err}"));
            }

            // No parameter of any rule is a list of lists.
            let err = parse(&lab_toml(id, &[format!("{name} = [[1]]")])).unwrap_err();
            if err.line != Some(FIRST_PARAM_LINE)
                || !err.message.contains(&format!("{id} parameter `{name}`:"))
            {
                failures.push(format!("{id}, {name} of the wrong type: {err}"));
            }
        }

        // With no parameters, a rule either needs none or names one it needs.
        if let Err(err) = parse(&lab_toml(id, &[]))
            && (err.line != Some(9)
                || !names
                    .iter()
                    .any(|n| err.message.contains(&format!("missing field `{n}`"))))
        {
            failures.push(format!("{id}, no parameters: {err}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} parameter mistakes not reported as they should be:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn an_inline_parameter_table_is_checked_too() {
    let text = format!("{HEAD}rule = \"K8S002\"\nparams = {{minn = 5, fiels = [\"k8s.yaml\"]}}\n");
    let err = parse(&text).unwrap_err();
    assert_eq!(err.line, Some(9), "{err}");
    assert!(
        err.message.contains("K8S002 has no parameter `")
            && err.message.contains("(did you mean `"),
        "{err}"
    );
}

#[test]
fn every_rule_documents_exactly_the_parameters_it_takes() {
    let mut failures = Vec::new();
    for rule in registry::all_rules() {
        let mut documented: Vec<String> = Vec::new();
        for line in rule.params_doc() {
            match line.strip_prefix("(clean room)") {
                // "(clean room) command (the program), env_file, env, tools: as for RUN001"
                Some(rest) => documented.extend(
                    rest.split(':')
                        .next()
                        .unwrap_or_default()
                        .split(',')
                        .filter_map(|word| word.split_whitespace().next())
                        .map(str::to_string),
                ),
                None => documented.push(line.split(':').next().unwrap_or_default().to_string()),
            }
        }
        documented.sort();
        let mut taken: Vec<String> = rule.param_names().iter().map(|s| s.to_string()).collect();
        taken.sort();
        if documented != taken {
            failures.push(format!(
                "{}: documents {documented:?} but takes {taken:?}",
                rule.id()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
