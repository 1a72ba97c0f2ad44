public enum OutcomesPlaceholder {}
