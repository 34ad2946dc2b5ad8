echo BMFLEET-MANUAL: switch DNS or addresses of {{ origin.host }} to the target {{ target.host }} now "(cutover_mode: none)"
