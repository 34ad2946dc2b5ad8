//! `bmfleet inventory list|graph`: what the inventory says, after validation and merging.

use std::process::ExitCode;

use serde_json::json;

use crate::cli::{Format, InventoryGraphArgs, InventoryListArgs};
use crate::diag::Diagnostic;
use crate::error::{Error, Result};
use crate::inventory::{Inventory, Pair, merged_vars, wave_group};
use crate::report::table;
use crate::role::is_secret_name;
use crate::secrets::MASK;
use crate::ssh::Endpoint;

pub fn list(args: InventoryListArgs) -> Result<ExitCode> {
    let (inventory, selected) = super::load_selection(&args.selection)?;
    if let Some(name) = &args.pair {
        let pair = inventory.pair(name).ok_or_else(|| {
            let names = inventory.pairs.iter().map(|p| p.name.as_str());
            let help = crate::suggest::closest(name, names)
                .map(|c| format!("did you mean `{c}`?"))
                .unwrap_or_else(|| "`bmfleet inventory list -i INVENTORY` lists the pairs".into());
            Error::input(
                Diagnostic::new(format!("no pair `{name}` in {}", inventory.path.display())).help(help),
            )
        })?;
        return show_pair(&inventory, pair, &args);
    }
    let pairs: Vec<&Pair> = selected.iter().map(|&i| &inventory.pairs[i]).collect();
    match args.format {
        Format::Json => {
            let list: Vec<_> = pairs
                .iter()
                .map(|p| json!({"name": p.name, "wave": p.wave, "groups": p.groups, "origin": endpoint_json(&p.origin), "target": endpoint_json(&p.target)}))
                .collect();
            println!("{}", serde_json::to_string_pretty(&json!({"pairs": list})).expect("json"));
        }
        Format::Text => {
            let rows: Vec<Vec<String>> = pairs
                .iter()
                .map(|p| {
                    vec![
                        p.name.clone(),
                        p.wave.to_string(),
                        p.groups.join(","),
                        p.origin.display(),
                        p.target.display(),
                    ]
                })
                .collect();
            print!("{}", table(&["PAIR", "WAVE", "GROUPS", "ORIGIN", "TARGET"], &rows));
            println!(
                "{} pairs, {} groups, waves {}",
                pairs.len(),
                inventory.groups.len(),
                join(&inventory.waves())
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn join(waves: &[u32]) -> String {
    waves.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}

fn endpoint_json(e: &Endpoint) -> serde_json::Value {
    json!({
        "host": e.host, "address": e.address, "port": e.port, "user": e.user,
        "identity_file": e.identity_file, "known_hosts": e.known_hosts,
        "connect_timeout_secs": e.connect_timeout.as_secs(),
        "accept_new_host_keys": e.accept_new_host_keys,
        "jump": e.jump.iter().map(|h| h.display()).collect::<Vec<_>>(),
        "become": e.r#become.as_ref().map(|b| json!({"method": "sudo", "user": b.user, "password_env": b.password_env})),
        "sources": e.sources,
    })
}

/// The effective connection settings of one host, each with where it came from, as
/// `ssh::settings` declares them.
fn endpoint_rows(side: &str, e: &Endpoint) -> Vec<Vec<String>> {
    crate::ssh::settings::rows(e)
        .into_iter()
        .map(|(row, value, source)| vec![format!("{side}.{row}"), value, source])
        .collect()
}

fn show_pair(inventory: &Inventory, pair: &Pair, args: &InventoryListArgs) -> Result<ExitCode> {
    // Role defaults complete the picture when a role is at hand; an explicit --role must exist.
    let role = match &args.role {
        Some(dir) => Some(super::roles::load(Some(dir), &inventory.path)?),
        None => super::roles::load(None, &inventory.path).ok(),
    };
    let empty = Default::default();
    let (defaults, secrets) = match &role {
        Some(r) => (&r.defaults, r.secrets.clone()),
        None => (&empty, Vec::new()),
    };
    let vars = merged_vars(inventory, pair, defaults);
    // The declared type of each variable; one the role does not declare is said so (plan refuses it).
    let type_of = |name: &str| match &role {
        Some(r) => {
            r.var_specs.get(name).map_or_else(|| "NOT DECLARED by the role".to_string(), |s| s.type_name())
        }
        None => "-".to_string(),
    };
    let shown = |name: &str, value: &serde_json::Value| {
        if is_secret_name(name, &secrets) { json!(MASK) } else { value.clone() }
    };
    match args.format {
        Format::Json => {
            let vars: serde_json::Map<String, serde_json::Value> = vars
                .iter()
                .map(|(k, (v, src))| {
                    let declared = role.as_ref().and_then(|r| r.var_specs.get(k)).map(|s| s.type_name());
                    (k.clone(), json!({"value": shown(k, v), "type": declared, "source": src}))
                })
                .collect();
            let out = json!({
                "name": pair.name, "wave": pair.wave, "groups": pair.groups,
                "origin": endpoint_json(&pair.origin), "target": endpoint_json(&pair.target), "vars": vars,
            });
            println!("{}", serde_json::to_string_pretty(&out).expect("json"));
        }
        Format::Text => {
            println!(
                "pair {} (wave {}, groups: {})",
                pair.name,
                pair.wave,
                if pair.groups.is_empty() { "-".into() } else { pair.groups.join(", ") }
            );
            println!("defined at {}", pair.location);
            println!();
            let mut rows = endpoint_rows("origin", &pair.origin);
            rows.extend(endpoint_rows("target", &pair.target));
            print!("{}", table(&["CONNECTION", "VALUE", "FROM"], &rows));
            let rows: Vec<Vec<String>> = vars
                .iter()
                .map(|(k, (v, src))| vec![k.clone(), compact(&shown(k, v)), type_of(k), src.to_string()])
                .collect();
            println!();
            print!("{}", table(&["VARIABLE", "VALUE", "TYPE", "FROM"], &rows));
            if role.is_none() {
                println!("(no role found: role defaults not shown; pass --role DIR)");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A value on one line, cut at 70 characters (`--format json` shows it whole).
fn compact(v: &serde_json::Value) -> String {
    let text = match v {
        serde_json::Value::String(s) => s.escape_debug().to_string(),
        other => other.to_string(),
    };
    if text.chars().count() > 70 { format!("{}...", text.chars().take(67).collect::<String>()) } else { text }
}

pub fn graph(args: InventoryGraphArgs) -> Result<ExitCode> {
    let (inventory, selected) = super::load_selection(&args.selection)?;
    print!("{}", graph_text(&inventory, &selected));
    Ok(ExitCode::SUCCESS)
}

/// `ansible-inventory --graph` style: `@all`, then each wave group, then each defined group.
pub fn graph_text(inventory: &Inventory, selected: &[usize]) -> String {
    let pairs: Vec<&Pair> = selected.iter().map(|&i| &inventory.pairs[i]).collect();
    let mut children: Vec<(String, Option<&str>, Vec<&str>)> = Vec::new();
    for wave in inventory.waves() {
        let members: Vec<&str> = pairs.iter().filter(|p| p.wave == wave).map(|p| p.name.as_str()).collect();
        if !members.is_empty() {
            children.push((wave_group(wave), None, members));
        }
    }
    for group in &inventory.groups {
        let members: Vec<&str> =
            pairs.iter().filter(|p| p.groups.contains(&group.name)).map(|p| p.name.as_str()).collect();
        children.push((group.name.clone(), group.description.as_deref(), members));
    }
    let mut out = String::from("@all:\n");
    for (name, description, members) in children {
        match description {
            Some(d) => out.push_str(&format!("  |--@{name}:  # {d}\n")),
            None => out.push_str(&format!("  |--@{name}:\n")),
        }
        for m in members {
            out.push_str(&format!("  |  |--{m}\n"));
        }
    }
    out
}
