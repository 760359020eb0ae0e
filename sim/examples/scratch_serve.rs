use std::time::Duration;
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sim = mtv_sim::Sim::start_on(mtv_sim::SimConfig::default().step_delay(Duration::from_millis(300)), "127.0.0.1:18443".parse()?).await?;
    std::fs::write("/tmp/sim-kubeconfig", sim.kubeconfig_yaml())?;
    tokio::time::sleep(Duration::from_secs(3600)).await;
    Ok(())
}
