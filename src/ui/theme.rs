//! The colours and attributes of each part of the screen.

use ratatui::style::{Color, Modifier, Style};

/// Colours, or none (`--color never`, `NO_COLOR`, `theme = "mono"`): then
/// only bold, dim, underline and reverse video carry meaning. The default
/// palette uses the 16 ANSI colours, so it follows the terminal's own
/// scheme; `[colors]` in the config may use 256-colour indices or `#rrggbb`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Theme {
    /// Whether to use colours.
    pub color: bool,
    /// Colours chosen in the config file, over the defaults.
    pub palette: crate::config::Colors,
}

impl Default for Theme {
    fn default() -> Theme {
        Theme {
            color: true,
            palette: crate::config::Colors::default(),
        }
    }
}

impl Theme {
    /// A theme with colours or without.
    pub fn colored(color: bool) -> Theme {
        Theme {
            color,
            ..Theme::default()
        }
    }

    pub(crate) fn fg(&self, style: Style, chosen: Option<Color>, default: Color) -> Style {
        if self.color {
            style.fg(chosen.unwrap_or(default))
        } else {
            style
        }
    }
    pub(crate) fn title(&self) -> Style {
        self.fg(
            Style::new().add_modifier(Modifier::BOLD),
            self.palette.title,
            Color::Yellow,
        )
    }
    pub(crate) fn meta(&self) -> Style {
        self.fg(
            Style::new().add_modifier(Modifier::DIM),
            self.palette.meta,
            Color::Cyan,
        )
    }
    pub(crate) fn dim(&self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }
    pub(crate) fn date(&self) -> Style {
        self.fg(Style::new(), self.palette.date, Color::Cyan)
    }
    /// The source column: in the date's colour unless chosen, so that the
    /// marker, date and source of a row are one run of one colour (each
    /// change of colour in a row costs bytes on every screenful).
    pub(crate) fn source(&self) -> Style {
        self.fg(
            Style::new(),
            self.palette.source.or(self.palette.date),
            Color::Cyan,
        )
    }
    pub(crate) fn link(&self) -> Style {
        self.fg(
            Style::new().add_modifier(Modifier::UNDERLINED),
            self.palette.link,
            Color::Blue,
        )
    }
    /// The unread marker: in the date's colour unless chosen (see `source`).
    pub(crate) fn unread(&self) -> Style {
        self.fg(
            Style::new(),
            self.palette.unread.or(self.palette.date),
            Color::Cyan,
        )
    }
    pub(crate) fn starred(&self) -> Style {
        self.fg(
            Style::new().add_modifier(Modifier::BOLD),
            self.palette.starred,
            Color::Yellow,
        )
    }
    pub(crate) fn highlight(&self) -> Style {
        if self.color {
            Style::new()
                .fg(self.palette.highlight_fg.unwrap_or(Color::Black))
                .bg(self.palette.highlight_bg.unwrap_or(Color::Yellow))
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::UNDERLINED)
        }
    }
    pub(crate) fn status(&self) -> Style {
        if self.color {
            Style::new()
                .fg(self.palette.status_fg.unwrap_or(Color::White))
                .bg(self.palette.status_bg.unwrap_or(Color::Blue))
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }
    pub(crate) fn cursor(&self, focused: bool) -> Style {
        match (focused, self.color) {
            (true, true) => Style::new()
                .fg(self.palette.selected_bg.unwrap_or(Color::Yellow))
                .add_modifier(Modifier::BOLD),
            (true, false) => Style::new().add_modifier(Modifier::BOLD),
            (false, _) => Style::new().add_modifier(Modifier::DIM),
        }
    }
    pub(crate) fn selected(&self, focused: bool) -> Style {
        let (fg, bg) = (self.palette.selected_fg, self.palette.selected_bg);
        match (focused, self.color && (fg.is_some() || bg.is_some())) {
            (true, true) => Style::new()
                .fg(fg.unwrap_or(Color::Reset))
                .bg(bg.unwrap_or(Color::Reset)),
            (true, false) => Style::new().add_modifier(Modifier::REVERSED),
            (false, _) => Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        }
    }
}
