package views

import (
	"errors"
	"net/url"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	native "github.com/sqweek/dialog"

	"huddle/app"
)

// transfersView lists every file sent and received, with progress.
type transfersView struct {
	u       *UI
	list    *widget.List
	content fyne.CanvasObject
	// downloads shows the folder received files go to; change picks another.
	downloads *widget.Label
	change    *widget.Button
	// nativeOpen guards the native dialog: one at a time.
	nativeOpen atomic.Bool
	// NativeDialogs off (tests) always uses Fyne's own dialogs.
	nativeDialogs bool
}

func newTransfersView(u *UI) *transfersView {
	v := &transfersView{u: u, nativeDialogs: true}
	v.list = widget.NewList(
		func() int { return len(u.Client.Transfers.List) },
		func() fyne.CanvasObject {
			return container.NewBorder(nil, nil, nil,
				container.NewHBox(widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), nil),
					widget.NewButtonWithIcon("Save as…", theme.DocumentSaveIcon(), nil),
					widget.NewButtonWithIcon("Show in folder", theme.FolderOpenIcon(), nil)),
				container.NewVBox(widget.NewLabel(""), widget.NewProgressBar()))
		},
		v.updateRow,
	)
	hint := widget.NewLabel("Drop files on a contact to send them; dropped elsewhere they go to the selected contact.")
	v.downloads = widget.NewLabel("")
	v.change = widget.NewButtonWithIcon("Change…", theme.FolderIcon(), v.pickDownloads)
	setting := container.NewBorder(nil, nil, nil, v.change, v.downloads)
	v.content = container.NewBorder(container.NewVBox(hint, setting), nil, nil, nil, v.list)
	v.refresh()
	return v
}

func (v *transfersView) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	list := v.u.Client.Transfers.List
	if id >= len(list) {
		return
	}
	t := list[id]
	c := o.(*fyne.Container)
	info := c.Objects[0].(*fyne.Container)
	dir := "to"
	if !t.Outgoing {
		dir = "from"
	}
	info.Objects[0].(*widget.Label).SetText(t.Name + " (" + app.FormatBytes(t.Total) + ") " + dir + " " +
		v.u.Client.Contacts.Name(t.Peer) + " — " + t.StateText())
	info.Objects[1].(*widget.ProgressBar).SetValue(t.Progress())
	btns := c.Objects[1].(*fyne.Container).Objects
	cancel, save, show := btns[0].(*widget.Button), btns[1].(*widget.Button), btns[2].(*widget.Button)
	task := t.TaskID
	cancel.OnTapped = func() { v.u.Client.Transfers.Cancel(task) }
	save.OnTapped = func() { v.saveAs(t) }
	show.OnTapped = func() { v.showInFolder(t.Folder()) }
	setVisible(cancel, t.State == app.TransferSending)
	setVisible(save, !t.Outgoing && t.State == app.TransferReceived && !t.Saving)
	setVisible(show, !t.Outgoing && t.State == app.TransferReceived)
}

func setVisible(o fyne.CanvasObject, on bool) {
	if on {
		o.Show()
	} else {
		o.Hide()
	}
}

func (v *transfersView) refresh() {
	v.downloads.SetText("Received files go to " + v.u.Client.FileSettings().Downloads)
	v.list.Refresh()
}

// pickDownloads asks for the folder received files go to (a setting).
func (v *transfersView) pickDownloads() {
	set := func(dir string) {
		f := v.u.Client.FileSettings()
		f.Downloads = dir
		v.u.Client.SetFileSettings(f)
	}
	v.withNative(func() (string, error) { return native.Directory().Title("Received files go to…").Browse() },
		set,
		func() {
			dialog.ShowFolderOpen(func(d fyne.ListableURI, err error) {
				if err == nil && d != nil {
					set(d.Path())
				}
			}, v.u.Win)
		})
}

// dropped sends files dropped on a contact's row to that contact; dropped
// anywhere else, to the selected contact, asking whom when none is selected.
func (v *transfersView) dropped(pos fyne.Position, uris []fyne.URI) {
	var paths []string
	for _, u := range uris {
		if u.Scheme() == "file" {
			paths = append(paths, u.Path())
		}
	}
	if len(paths) == 0 {
		return
	}
	if peer := v.u.main.contacts.contactAt(pos); peer != "" {
		v.send(peer, paths)
		return
	}
	if peer := v.u.main.contacts.selected; peer != "" {
		v.send(peer, paths)
		return
	}
	v.askPeer(func(peer string) { v.send(peer, paths) })
}

func (v *transfersView) send(peer string, paths []string) {
	for _, p := range paths {
		v.u.Client.Transfers.SendFile(peer, p)
	}
	v.u.main.tabs.SelectIndex(2)
}

func (v *transfersView) askPeer(then func(string)) {
	v.u.pickContact("Send files to…", "Send", "To", "Nobody is online to send them to.", "", then)
}

// pickAndSend asks for a file (native dialog first) and sends it to peer.
func (v *transfersView) pickAndSend(peer string) {
	v.withNative(func() (string, error) { return native.File().Title("Send a file").Load() },
		func(path string) { v.send(peer, []string{path}) },
		func() {
			dialog.ShowFileOpen(func(r fyne.URIReadCloser, err error) {
				if err == nil && r != nil {
					r.Close()
					v.send(peer, []string{r.URI().Path()})
				}
			}, v.u.Win)
		})
}

// saveAs copies a received file where the user chooses; the copy runs in
// the background with its progress on the row, a failure is a notice.
func (v *transfersView) saveAs(t *app.Transfer) {
	write := func(dst string) { v.u.Client.Transfers.SaveAs(t, dst) }
	v.withNative(func() (string, error) { return native.File().Title("Save " + t.Name).SetStartFile(t.Name).Save() },
		write,
		func() {
			d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
				if err == nil && w != nil {
					w.Close()
					write(w.URI().Path())
				}
			}, v.u.Win)
			d.SetFileName(t.Name)
			d.Show()
		})
}

// withNative runs a native file dialog off the UI goroutine (it blocks),
// one at a time; where none can open, fallback shows Fyne's own.
func (v *transfersView) withNative(open func() (string, error), then func(string), fallback func()) {
	if !v.nativeDialogs {
		fallback()
		return
	}
	if !v.nativeOpen.CompareAndSwap(false, true) {
		return // one is already open
	}
	go func() {
		path, err := open()
		v.nativeOpen.Store(false)
		fyne.Do(func() {
			switch {
			case err == nil:
				then(path)
			case errors.Is(err, native.ErrCancelled):
			default:
				fallback()
			}
		})
	}()
}

func (v *transfersView) showInFolder(dir string) {
	u := &url.URL{Scheme: "file", Path: dir}
	if err := v.u.App.OpenURL(u); err != nil {
		dialog.ShowError(err, v.u.Win)
	}
}
