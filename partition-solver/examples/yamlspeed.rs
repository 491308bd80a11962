use std::time::Instant;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;
struct Nop(usize);
impl MarkedEventReceiver for Nop {
    fn on_event(&mut self, _ev: Event, _m: Marker) {
        self.0 += 1;
    }
}
fn main() {
    let input =
        partition_solver::synthetic::generate(partition_solver::synthetic::Kind::Chain, 10000);
    let text = &input.fragments[0].text;
    let t = Instant::now();
    let mut p = Parser::new_from_str(text);
    let mut n = Nop(0);
    p.load(&mut n, false).unwrap();
    println!("raw events {}: {:?}", n.0, t.elapsed());
    let t = Instant::now();
    let _ = partition_solver::yaml::load(text).unwrap();
    println!("builder: {:?}", t.elapsed());
}
