"""Operations: the run cycle, daemon, schedule, writer lock, status, re-extraction, imports."""
