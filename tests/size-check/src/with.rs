mod common;

fn main() {
    let cp = instrack::checkpoint();
    let before = instrack::snapshot();
    let kept = common::work();
    instrack::report("*");
    let mut out = Vec::new();
    let _ = instrack::report_to(&mut out, "Session Node");
    let now = instrack::snapshot();
    println!("{}", now.narrow("Session"));
    println!("{}", now.diff(&before));
    println!("{:?}", now.counts("Node"));
    println!("{:?}", instrack::counts::<common::Session>());
    println!("{}", instrack::live::<common::Node>().len() + instrack::live_rc::<common::Node>().len());
    for cycle in instrack::find_cycles() {
        println!("{cycle}\n{}", cycle.to_dot());
    }
    if let Some(why) = instrack::why_alive(1) {
        println!("{why}");
    }
    println!("{}", instrack::graph_dot("Node"));
    println!("{}", cp.survivors().len());
    let ((), leaked) = instrack::survivors(|| ());
    println!("{} {}", leaked.len(), String::from_utf8_lossy(&out));
    drop(kept);
}
