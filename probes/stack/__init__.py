"""The team's own stack: features, what they ride on, what is affected for us and plan-B drills."""
