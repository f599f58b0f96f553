"""The neutral kernel: plumbing no app owns (API errors, the id converter, formatting in
the reader's zone, form helpers, CSV, widgets, the task decorator, state machines and
domain errors). It imports no app of the project, so every app may import it."""
