greeting={{greeting}}
