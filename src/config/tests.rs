//! The config checker, key by key.

use super::*;
use crate::input::action::names as action_names;
use crossterm::event::{KeyCode, KeyModifiers};

fn parse_str(text: &str) -> (Config, Vec<String>) {
    parse(text, Path::new("/cfg/kanbao/config.toml"))
}

fn clean(text: &str) -> Config {
    let (config, warnings) = parse_str(text);
    assert_eq!(warnings, Vec::<String>::new(), "for {text:?}");
    config
}

fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, modifiers)
}

#[test]
fn defaults_are_documented_values() {
    let c = Config::default();
    assert_eq!(c.display.ambiguous, AmbiguousSetting::Narrow);
    assert_eq!(c.display.color, ColorSetting::Auto);
    assert_eq!(c.display.theme, ThemeName::Default);
    assert!(c.display.mouse);
    assert_eq!(c.layout.split, 40);
    assert_eq!(c.layout.orientation, Orientation::Horizontal);
    assert_eq!(c.layout.two_pane_min_width, 90);
    assert_eq!(c.reader.measure, 80);
    assert!(c.reader.center);
    assert!(c.library.paths.is_empty());
    assert_eq!(c.colors, Colors::default());
    assert!(c.keys.is_empty());
    assert_eq!(clean(""), c);
    assert_eq!(clean("# nothing\n\n"), c);
}

#[test]
fn missing_file_is_defaults_without_warnings() {
    let (c, w) = load(Path::new("/nonexistent/kanbao/config.toml"));
    assert_eq!(c, Config::default());
    assert!(w.is_empty());
}

#[test]
fn unreadable_file_is_defaults_with_one_warning() {
    let dir = std::env::temp_dir();
    let (c, w) = load(&dir);
    assert_eq!(c, Config::default());
    assert_eq!(w.len(), 1);
    assert!(w[0].contains("cannot read"), "{w:?}");
}

#[test]
fn non_utf8_file_is_defaults_with_one_warning() {
    let path = std::env::temp_dir().join(format!("kanbao-config-{}.toml", std::process::id()));
    std::fs::write(&path, b"[reader]\nmeasure = \"\xff\"\n").unwrap();
    let (c, w) = load(&path);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(c, Config::default());
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].ends_with(":2:12: not UTF-8 text; the file is ignored, using the defaults"),
        "{w:?}"
    );
}

#[test]
fn a_byte_order_mark_and_crlf_are_fine() {
    let (c, w) = parse_str("\u{feff}[reader]\r\nmeasure = 66\r\ncenter = 0\r\n");
    assert_eq!(c.reader.measure, 66);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains(":3:10: key `reader.center`"), "{w:?}");
}

#[test]
fn default_toml_round_trips_to_default() {
    assert_eq!(clean(DEFAULT_TOML), Config::default());
}

#[test]
fn default_toml_documents_every_action_and_colour() {
    for name in action_names().chain(Colors::NAMES.iter().copied()) {
        assert!(DEFAULT_TOML.contains(name), "{name} is not documented");
    }
}

#[test]
fn display_section() {
    let c = clean(
        "[display]\nambiguous = \"auto\"\ncolor = \"never\"\ntheme = \"mono\"\nmouse = false\n",
    );
    assert_eq!(
        c.display,
        Display {
            ambiguous: AmbiguousSetting::Auto,
            color: ColorSetting::Never,
            theme: ThemeName::Mono,
            mouse: false,
            selection: Selection::Marker,
        }
    );
    assert_eq!(c.display.ambiguous.fixed(), None);
    let c = clean("[display]\nambiguous = \"Wide\"\ncolor = \"always\"\n");
    assert_eq!(c.display.ambiguous.fixed(), Some(Ambiguous::Wide));
    assert_eq!(c.display.color, ColorSetting::Always);
}

#[test]
fn layout_section() {
    let c = clean(
        "[layout]\nsplit = 3_0\norientation = \"vertical\"\ntwo_pane_min_width = 120\npreview = false\npreview_delay_ms = 0\n",
    );
    assert_eq!(
        c.layout,
        Layout {
            split: 30,
            orientation: Orientation::Vertical,
            two_pane_min_width: 120,
            preview: false,
            preview_delay_ms: 0,
        }
    );
}

#[test]
fn reader_section() {
    let c =
        clean("[reader]\nmeasure = 66\ncenter = false\npage_overlap = 2\nmark_read_after_ms = 0\n");
    assert_eq!(
        c.reader,
        Reader {
            measure: 66,
            center: false,
            page_overlap: 2,
            mark_read_after_ms: 0,
        }
    );
    let settings = c.settings(TypesetOptions::default());
    assert!(settings.mark_read_after.is_zero());
}

#[test]
fn dotted_keys_and_inline_tables_work_like_sections() {
    let c = clean("reader.measure = 70\nlayout = { split = 50 }\n");
    assert_eq!(c.reader.measure, 70);
    assert_eq!(c.layout.split, 50);
}

#[test]
fn library_section() {
    let c = clean("[library]\npaths = [\"/news\", \"feeds\", \"https://example.org/feed.xml\"]\n");
    assert_eq!(
        c.library.paths,
        [
            PathBuf::from("/news"),
            PathBuf::from("/cfg/kanbao/feeds"),
            PathBuf::from("https://example.org/feed.xml"),
        ]
    );
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        let c = clean("[library]\npaths = \"~/news\"\n");
        assert_eq!(c.library.paths, [PathBuf::from(home).join("news")]);
    }
    let (c, w) = parse_str("[library]\npaths = [\"/a\", 3]\n");
    assert!(c.library.paths.is_empty());
    assert_eq!(w.len(), 1);
    assert_eq!(
        w,
        ["/cfg/kanbao/config.toml:2:16: key `library.paths`: expected a path (a string), found 3"]
    );
}

#[test]
fn bad_value_names_line_col_key_and_keeps_other_keys() {
    let text = "[layout]\norientation = \"vertical\"\nsplit = 5\n\n[reader]\nmeasure = 72\ncenter = \"yes\"\n";
    let (c, w) = parse_str(text);
    assert_eq!(
        w,
        [
            "/cfg/kanbao/config.toml:3:9: key `layout.split`: expected an integer from 10 to 90, found 5",
            "/cfg/kanbao/config.toml:7:10: key `reader.center`: expected true or false, found \"yes\"",
        ]
    );
    assert_eq!(c.layout.split, 40, "the default for the bad key");
    assert_eq!(c.layout.orientation, Orientation::Vertical);
    assert_eq!(c.reader.measure, 72);
    assert!(c.reader.center);
}

#[test]
fn wrong_types_and_choices_are_reported() {
    let (c, w) = parse_str(
        "[display]\ncolor = \"sometimes\"\nmouse = 1\n[layout]\nsplit = 40.5\n[reader]\nmeasure = \"80\"\n",
    );
    assert_eq!(c, Config::default());
    assert_eq!(w.len(), 4, "{w:?}");
    assert!(w[0].ends_with(
        ":2:9: key `display.color`: expected \"auto\", \"always\" or \"never\", found \"sometimes\""
    ));
    assert!(w[1].ends_with(":3:9: key `display.mouse`: expected true or false, found 1"));
    assert!(
        w[2].contains(
            "key `layout.split`: expected an integer from 10 to 90, found the float 40.5"
        )
    );
    assert!(
        w[3].contains("key `reader.measure`: expected an integer from 20 to 1000, found \"80\"")
    );
}

#[test]
fn a_section_that_is_not_a_table_is_reported() {
    let (c, w) = parse_str("display = \"dark\"\n[reader]\nmeasure = 60\n");
    assert_eq!(c.reader.measure, 60);
    assert_eq!(
        w,
        ["/cfg/kanbao/config.toml:1:11: key `display`: expected a table, found \"dark\""]
    );
}

#[test]
fn unknown_keys_and_sections_are_warned_with_a_suggestion() {
    let (c, w) = parse_str(
        "[reader]\nmeasur = 60\ncenter = false\nwibble = 1\n[colour]\ntitle = \"red\"\n[zzz]\n",
    );
    assert!(!c.reader.center);
    assert_eq!(c.reader.measure, 80);
    assert_eq!(
        w,
        [
            "/cfg/kanbao/config.toml:2:1: unknown key `reader.measur` (did you mean `measure`?)",
            "/cfg/kanbao/config.toml:4:1: unknown key `reader.wibble`",
            "/cfg/kanbao/config.toml:5:2: unknown section `colour` (did you mean `colors`?)",
            "/cfg/kanbao/config.toml:7:2: unknown section `zzz`",
        ]
    );
}

#[test]
fn syntax_error_falls_back_to_defaults_with_one_warning() {
    let (c, w) = parse_str("[reader]\nmeasure = 60\ncenter = \n");
    assert_eq!(c, Config::default());
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].starts_with("/cfg/kanbao/config.toml:3:10: invalid TOML: "),
        "{w:?}"
    );
    assert!(
        w[0].ends_with("the file is ignored, using the defaults"),
        "{w:?}"
    );
    let (_, w) = parse_str("[reader]\n[reader]\n");
    assert_eq!(w.len(), 1);
    assert!(w[0].contains(":2:2: invalid TOML: duplicate key"), "{w:?}");
}

#[test]
fn colour_forms() {
    let c = clean(
        "[colors]\ntitle = \"#ff8800\"\nmeta = \"123\"\ndate = \"lightred\"\nsource = \"Dark-Gray\"\nlink = \"grey\"\nstatus_bg = \"reset\"\nstatus_fg = 7\nstarred = \"light_cyan\"\n",
    );
    assert_eq!(c.colors.title, Some(Color::Rgb(0xff, 0x88, 0x00)));
    assert_eq!(c.colors.meta, Some(Color::Indexed(123)));
    assert_eq!(c.colors.date, Some(Color::LightRed));
    assert_eq!(c.colors.source, Some(Color::DarkGray));
    assert_eq!(c.colors.link, Some(Color::Gray));
    assert_eq!(c.colors.status_bg, Some(Color::Reset));
    assert_eq!(c.colors.status_fg, Some(Color::Indexed(7)));
    assert_eq!(c.colors.starred, Some(Color::LightCyan));
    assert_eq!(c.colors.get("starred"), Some(Some(Color::LightCyan)));
    assert_eq!(c.colors.unread, None);
    assert_eq!(c.colors.get("nope"), None);
    for name in Colors::NAMES {
        assert_eq!(
            clean(&format!("[colors]\n{name} = \"red\"\n"))
                .colors
                .get(name),
            Some(Some(Color::Red))
        );
    }
}

#[test]
fn bad_colours_are_reported_and_the_rest_kept() {
    let (c, w) = parse_str(
        "[colors]\ntitle = \"yelow\"\nmeta = \"#12345\"\ndate = \"256\"\nlink = \"blue\"\nsource = true\ncolour = \"red\"\n",
    );
    assert_eq!(c.colors.link, Some(Color::Blue));
    assert_eq!(c.colors.title, None);
    assert_eq!(w.len(), 5, "{w:?}");
    assert!(w[0].ends_with(
        ":2:9: key `colors.title`: expected a colour name, \"#rrggbb\" or an index from 0 to 255, found \"yelow\" (did you mean \"yellow\"?)"
    ), "{w:?}");
    assert!(w[1].contains("key `colors.meta`"));
    assert!(w[2].contains("key `colors.date`"));
    assert!(w[3].contains("key `colors.source`") && w[3].ends_with("found true"));
    assert!(w[4].ends_with(":7:1: unknown key `colors.colour`"), "{w:?}");
}

#[test]
fn key_bindings_in_vim_notation() {
    let c = clean(
        "[keys]\nquit = [\"q\", \"<C-c>\"]\nhalf_page_down = \"<C-d>\"\nopen = \"<Enter>\"\nsearch = \"/\"\nlist_links = \"<lt>\"\n",
    );
    assert_eq!(
        c.keys,
        [
            (Action::Quit, key(KeyCode::Char('q'), KeyModifiers::NONE)),
            (Action::Quit, key(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            (
                Action::HalfPageDown,
                key(KeyCode::Char('d'), KeyModifiers::CONTROL)
            ),
            (Action::Open, key(KeyCode::Enter, KeyModifiers::NONE)),
            (Action::Search, key(KeyCode::Char('/'), KeyModifiers::NONE)),
            (
                Action::ListLinks,
                key(KeyCode::Char('<'), KeyModifiers::NONE)
            ),
        ]
    );
}

#[test]
fn every_action_name_can_be_bound() {
    for name in action_names() {
        let c = clean(&format!("[keys]\n{name} = \"<F1>\"\n"));
        assert_eq!(
            c.keys,
            [(
                Action::named(name).unwrap(),
                key(KeyCode::F(1), KeyModifiers::NONE)
            )]
        );
    }
}

#[test]
fn unknown_action_is_warned_and_the_rest_kept() {
    let (c, w) = parse_str("[keys]\nqiut = \"x\"\nfrobnicate = \"z\"\nup = \"K\"\n");
    assert_eq!(
        c.keys,
        [(Action::Up, key(KeyCode::Char('K'), KeyModifiers::NONE))]
    );
    assert_eq!(
        w,
        [
            "/cfg/kanbao/config.toml:2:1: unknown action `keys.qiut` (did you mean `quit`?)",
            "/cfg/kanbao/config.toml:3:1: unknown action `keys.frobnicate`",
        ]
    );
}

#[test]
fn a_binding_of_two_keys_is_rejected() {
    let (c, w) =
        parse_str("[keys]\ntop = [\"gg\", \"<Home>\"]\nbottom = \"\"\nhelp = \"<Nope>\"\n");
    assert_eq!(
        c.keys,
        [(Action::Top, key(KeyCode::Home, KeyModifiers::NONE))]
    );
    assert_eq!(w.len(), 3, "{w:?}");
    assert!(w[0].ends_with(
        ":2:8: key `keys.top`: expected one key in vim notation (like \"q\" or \"<C-d>\"), found \"gg\" (2 keys)"
    ), "{w:?}");
    assert!(w[1].contains(":3:10: key `keys.bottom`") && w[1].ends_with("found \"\" (no key)"));
    assert!(w[2].contains(":4:8: key `keys.help`") && w[2].contains("unknown key <Nope>"));
}

#[test]
fn a_key_bound_to_two_actions_keeps_the_first() {
    let (c, w) = parse_str("[keys]\ndown = \"<C-d>\"\nhalf_page_down = [\"<C-d>\", \"D\"]\n");
    assert_eq!(
        c.keys,
        [
            (Action::Down, key(KeyCode::Char('d'), KeyModifiers::CONTROL)),
            (
                Action::HalfPageDown,
                key(KeyCode::Char('D'), KeyModifiers::NONE)
            ),
        ]
    );
    assert_eq!(
        w,
        [
            "/cfg/kanbao/config.toml:3:19: key `keys.half_page_down`: \"<C-d>\" is already bound to `down`"
        ]
    );
}

#[test]
fn bindings_that_are_not_strings_are_reported() {
    let (c, w) = parse_str("[keys]\nquit = 3\nup = [\"k\", 4]\n");
    assert_eq!(
        c.keys,
        [(Action::Up, key(KeyCode::Char('k'), KeyModifiers::NONE))]
    );
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(w[0].contains(":2:8: key `keys.quit`: expected a key or an array of keys"));
    assert!(w[1].contains(":3:12: key `keys.up`: expected one key"));
}

#[test]
fn default_path_uses_xdg_config_home_or_home() {
    if let Some(path) = default_path() {
        assert!(path.ends_with("kanbao/config.toml"), "{path:?}");
    }
}
