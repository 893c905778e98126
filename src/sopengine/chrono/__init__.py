"""Time: instants and durations, working-day calendars, promotion windows, SLAs."""
