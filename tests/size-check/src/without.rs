mod common;

fn main() {
    let kept = common::work();
    drop(kept);
}
